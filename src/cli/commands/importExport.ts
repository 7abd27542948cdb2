// `crmsync import` and `crmsync export` (issue 2 item 7).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { exportCrm } from '../../importexport/export.js';
import { importPath } from '../../importexport/import.js';
import { formatFailure } from '../../importexport/report.js';
import { findUser, withApp } from '../app.js';
import { EXIT_OK, EXIT_PARTIAL } from '../errors.js';
import { progressDisplay } from '../progress.js';
import { positiveInt } from './journal.js';

interface ImportFlags { user: string; tick?: boolean; batchSize: string }

export function registerImportExport(program: Command): void {
  program.command('import <fileOrDir>')
    .description('import vCard (.vcf) and iCalendar (.ics) files, a directory recursively; items already in the CRM (same UID) are matched')
    .requiredOption('--user <name>', 'appointments get this user as attendee, tasks as responsible')
    .option('--tick', "set the user's sync tick on the imported contacts (S1)")
    .option('--batch-size <n>', 'entries per transaction', '1000')
    .action(async (target: string, flags: ImportFlags, cmd: Command) => {
      const batchSize = positiveInt(flags.batchSize, '--batch-size');
      await withApp(cmd, async (app) => {
        const user = await findUser(app, flags.user);
        const progress = progressDisplay('imported');
        const report = await importPath(app.crm, target, { user, tick: flags.tick === true, batchSize, onProgress: progress.listener })
          .finally(() => progress.stop());
        for (const f of report.skippedFiles) process.stderr.write(`skipped ${f}: neither vCard nor iCalendar\n`);
        for (const f of report.failures) process.stderr.write(`failed ${formatFailure(f)}\n`);
        process.stdout.write(`${report.summary()}\n`);
        process.exitCode = report.failed > 0 ? EXIT_PARTIAL : EXIT_OK;
      });
    });

  program.command('export')
    .description('export the CRM (or one user\'s sync set) as vCard 3.0 and iCalendar, to stdout or into a directory')
    .option('--user <name>', "only this user's sync set (S1–S3)")
    .option('--out <dir>', 'write contacts.vcf, calendar.ics and tasks.ics into this directory')
    .action(async (flags: { user?: string; out?: string }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const userId = flags.user ? (await findUser(app, flags.user)).id : undefined;
        const progress = progressDisplay('exported');
        const result = await exportCrm(app.crm, { ...(userId ? { userId } : {}), onProgress: progress.listener }).finally(() => progress.stop());
        if (flags.out) {
          await mkdir(flags.out, { recursive: true });
          for (const [name, text] of Object.entries(result.files)) await writeFile(join(flags.out, name), text);
        } else {
          for (const text of Object.values(result.files)) process.stdout.write(text);
        }
        const { contacts, calendar, tasks } = result.counts;
        process.stderr.write(`exported ${contacts} contacts, ${calendar} appointments, ${tasks} tasks${flags.out ? ` to ${flags.out}` : ''}\n`);
      });
    });
}
