#!/usr/bin/env node
// The `crmsync` command (issue 2 item 7). Global flags: --data DIR (env CRMSYNC_DATA) and
// --database URL (env DATABASE_URL; a postgres:// URL selects PostgreSQL).
import { Command } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerDevice } from './commands/device.js';
import { registerGroup } from './commands/group.js';
import { registerImportExport } from './commands/importExport.js';
import { registerJournal } from './commands/journal.js';
import { registerServe } from './commands/serve.js';
import { registerSync } from './commands/sync.js';
import { registerTarget } from './commands/target.js';
import { registerToken } from './commands/token.js';
import { registerUser } from './commands/user.js';
import { registerWorker } from './commands/worker.js';
import { reportError } from './errors.js';

export function buildProgram(): Command {
  const program = new Command('crmsync')
    .description('keeps a CRM\'s contacts, appointments and tasks in step with phones, desktops and cloud groupware')
    .option('--data <dir>', 'data directory: SQLite file and secret key (env CRMSYNC_DATA, default ./data)')
    .option('--database <url>', 'a postgres:// URL or an SQLite file path (env DATABASE_URL)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServe(program);
  registerWorker(program);
  registerUser(program);
  registerGroup(program);
  registerToken(program);
  registerImportExport(program);
  registerJournal(program);
  registerDemo(program);
  registerDevice(program);
  registerTarget(program);
  registerSync(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err);
}
