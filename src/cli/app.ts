// Opening the data a CLI command works on. Every command opens the same store as the server
// (SQLite WAL + busy_timeout, or PostgreSQL), so it works while `serve` runs (issue 2 item 7).
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig, type ConfigFlags } from '../app/config.js';
import { ensureAdmin, openApp, type AppContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { getUserByName } from '../crm/users.js';
import type { User } from '../domain/records.js';

export interface GlobalFlags { data?: string; database?: string }

export function configFor(command: Command, extra: ConfigFlags = {}) {
  const g = command.optsWithGlobals<GlobalFlags>();
  return loadConfig(process.env, { data: g.data, database: g.database, ...extra });
}

/**
 * First start creates the `admin` user, whichever command comes first (so `crmsync demo`
 * followed by `crmsync serve` still has an admin). A generated password is shown once, here.
 */
export async function announceAdmin(app: AppContext, stream: NodeJS.WritableStream = process.stderr): Promise<void> {
  const { created, generatedPassword } = await ensureAdmin(app);
  if (!created) return;
  if (generatedPassword === null) {
    stream.write('crmsync: created user "admin" with the password from CRMSYNC_ADMIN_PASSWORD\n');
    return;
  }
  const rule = '='.repeat(72);
  stream.write(`${rule}\n  First start: created user "admin" with password\n\n      ${generatedPassword}\n\n`
    + `  It is shown only this once. Change it with: crmsync user passwd admin --password-stdin\n${rule}\n`);
}

/** Runs `fn` with the app open (quiet logger on stderr), and closes it afterwards. */
export async function withApp<T>(command: Command, fn: (app: AppContext) => Promise<T>): Promise<T> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', pino.destination({ dest: 2, sync: true }));
  const app = await openApp(configFor(command), { logger });
  try {
    await announceAdmin(app);
    return await fn(app);
  } finally {
    await app.close();
  }
}

export const findUser = (app: AppContext, username: string): Promise<User> => getUserByName(app.crm, username);
