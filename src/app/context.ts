// Opens everything one process needs: config, store, keyring, logger. Used by `serve`, the
// CLI commands and tests alike, so they all see the same data the same way.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { openDatabase, type Database } from '../store/db.js';
import type { CrmContext } from '../crm/context.js';
import { createUser, listUsers } from '../crm/users.js';
import { loadKeyring, type Keyring } from '../security/keyring.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';

export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly crm: CrmContext;
  readonly keyring: Keyring;
  readonly logger: Logger;
  close(): Promise<void>;
}

export async function openApp(config: Config, opts: { logger?: Logger; now?: () => number } = {}): Promise<AppContext> {
  const keyring = loadKeyring(config.dataDir, config.secretKey);
  const database = await openDatabase(config.databaseUrl);
  const logger = opts.logger ?? createLogger(config.logLevel);
  const crm: CrmContext = { db: database.db, dialect: database.dialect, now: opts.now ?? Date.now };
  return { config, database, crm, keyring, logger, close: () => database.close() };
}

/**
 * First start: creates the `admin` user. Its password comes from CRMSYNC_ADMIN_PASSWORD or is
 * generated; a generated one is returned so the caller prints it once (it is never stored in clear).
 */
export async function ensureAdmin(app: AppContext): Promise<{ created: boolean; generatedPassword: string | null }> {
  if ((await listUsers(app.crm)).length > 0) return { created: false, generatedPassword: null };
  const generated = app.config.adminPassword ? null : randomBytes(12).toString('base64url');
  await createUser(app.crm, { username: 'admin', password: app.config.adminPassword ?? generated, isAdmin: true, displayName: 'Administrator' });
  return { created: true, generatedPassword: generated };
}
