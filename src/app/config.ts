// Configuration from environment and flags (README "Configuration"). Flags win over env.
import { resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  /** Directory for the SQLite file and the secret key file. */
  dataDir: string;
  /** A postgres:// URL, or the SQLite file path. */
  databaseUrl: string;
  /** Base64 32-byte key or passphrase; when absent the key file in dataDir is used (created 0600). */
  secretKey: string | null;
  adminPassword: string | null;
  logLevel: string;
}

export interface ConfigFlags { host?: string; port?: string | number; data?: string; database?: string }

/** An environment variable set to the empty string counts as unset. */
const envValue = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v);

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const dataDir = resolve(flags.data ?? envValue(env.CRMSYNC_DATA) ?? './data');
  const portText = String(flags.port ?? envValue(env.PORT) ?? '8080');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a number from 0 to 65535, not "${portText}"`);
  return {
    host: flags.host ?? envValue(env.HOST) ?? '127.0.0.1',
    port,
    dataDir,
    databaseUrl: flags.database ?? envValue(env.DATABASE_URL) ?? resolve(dataDir, 'crmsync.db'),
    secretKey: envValue(env.CRMSYNC_SECRET_KEY) ?? null,
    adminPassword: envValue(env.CRMSYNC_ADMIN_PASSWORD) ?? null,
    logLevel: envValue(env.LOG_LEVEL) ?? 'info',
  };
}
