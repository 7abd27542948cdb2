// `crmsync sync --user NAME [--unit U]` (issue 4 item 3): runs a user's channels to the end now,
// with a progress bar, and exits non-zero if a run failed. A manual run resumes a suspended
// channel (L3); --confirm-deletions answers a run the mass-deletion guard paused (X6).
import type { Command } from 'commander';
import { UNITS, type Unit } from '../../domain/records.js';
import { listChannels } from '../../sync/engine/channels.js';
import { runToEnd } from '../../sync/engine/run.js';
import { findUser, withApp } from '../app.js';
import { EXIT_FAILURE, UsageError } from '../errors.js';
import { progressDisplay } from '../progress.js';

export function registerSync(program: Command): void {
  program.command('sync').description('sync a user\'s targets now, to the end')
    .requiredOption('--user <name>', 'whose channels')
    .option('--unit <unit>', `only one unit: ${UNITS.join(', ')}`)
    .option('--confirm-deletions', 'go ahead with a mass deletion the guard paused on (X6)')
    .action(async (flags: { user: string; unit?: string; confirmDeletions?: boolean }, cmd: Command) => {
      if (flags.unit && !(UNITS as readonly string[]).includes(flags.unit)) throw new UsageError(`--unit must be one of ${UNITS.join(', ')}`);
      await withApp(cmd, async (app) => {
        const user = await findUser(app, flags.user);
        const channels = (await listChannels(app.crm, { userId: user.id }))
          .filter((c) => c.mode !== 'off' && (!flags.unit || c.unit === (flags.unit as Unit)));
        if (channels.length === 0) throw new UsageError(`${user.username} has no target to sync${flags.unit ? ` for ${flags.unit}` : ''} (crmsync target add)`);
        let failed = false;
        for (const channel of channels) {
          const progress = progressDisplay(`${channel.unit}`);
          const out = await runToEnd({ ctx: app.crm, keyring: app.keyring }, channel.id, 'manual', {
            confirmMassDeletion: flags.confirmDeletions, onProgress: (p) => progress.listener(p.done, p.total),
          });
          progress.stop();
          switch (out.kind) {
            case 'done':
              process.stdout.write(`${channel.unit}: ${out.status} (created ${out.counts.created}, updated ${out.counts.updated}, deleted ${out.counts.deleted}, skipped ${out.counts.skipped}, conflicts ${out.counts.conflicts})\n`);
              break;
            case 'paused':
              failed = true;
              process.stdout.write(`${channel.unit}: paused — ${out.reason} Run again with --confirm-deletions to go ahead.\n`);
              break;
            case 'failed':
              failed = true;
              process.stdout.write(`${channel.unit}: failed — ${out.error}${out.auth ? ' (sign in again: crmsync target passwd)' : ''}\n`);
              break;
            case 'busy':
              failed = true;
              process.stdout.write(`${channel.unit}: another run of this unit is in progress; try again shortly\n`);
              break;
            case 'skipped':
              process.stdout.write(`${channel.unit}: skipped — ${out.reason}\n`);
              break;
            case 'continue':
              break;
          }
        }
        if (failed) process.exitCode = EXIT_FAILURE;
      });
    });
}
