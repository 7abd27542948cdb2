// `crmsync demo` (issue 2 item 7): fills an empty CRM with realistic demo data.
import type { Command } from 'commander';
import { DEMO_USERS, seedDemo } from '../../demo/seed.js';
import { withApp } from '../app.js';
import { UsageError } from '../errors.js';
import { progressDisplay } from '../progress.js';

interface DemoFlags { seed: string; password?: string; anchor?: string }

export function registerDemo(program: Command): void {
  program.command('demo').description('fill an empty CRM with demo data: users alice, bob and carol, 2 groups, 500 contacts, 300 appointments, 100 tasks')
    .option('--seed <n>', 'random seed; the same seed gives the same data', '1')
    .option('--password <pw>', 'password of the three demo users (generated and printed otherwise)')
    .option('--anchor <date>', 'YYYY-MM-DD the dates are laid around (default: Monday of this week)')
    .action(async (flags: DemoFlags, cmd: Command) => {
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number ≥ 0, not "${flags.seed}"`);
      if (flags.anchor !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(flags.anchor)) throw new UsageError(`--anchor must be a date YYYY-MM-DD, not "${flags.anchor}"`);
      await withApp(cmd, async (app) => {
        const progress = progressDisplay('demo records');
        const result = await seedDemo(app.crm, {
          seed, onProgress: progress.listener,
          ...(flags.password !== undefined ? { password: flags.password } : {}), ...(flags.anchor ? { anchor: flags.anchor } : {}),
        }).finally(() => progress.stop());
        const c = result.counts;
        process.stdout.write(`demo CRM: ${c.users} users, ${c.groups} groups, ${c.contacts} contacts (${c.ticks} sync ticks), ${c.appointments} appointments, ${c.tasks} tasks\n`);
        const names = DEMO_USERS.map((u) => u.username).join(', ');
        process.stdout.write(result.generatedPassword ? `users ${names} have the password: ${result.password}\n` : `users ${names} have the password you gave\n`);
      });
    });
}
