// A real crmsync HTTP server (buildServer: REST, DAV, health) listening on 127.0.0.1:<free port>
// over a fresh SQLite database, with one user, for tests that drive it with real clients
// (python3-caldav, vdirsyncer) and for differential tests against Radicale and Xandikos.
// The clock is the real one: real clients compute dates from the wall clock.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../../src/app/config.js';
import type { AppContext } from '../../../src/app/context.js';
import { createLogger } from '../../../src/app/logger.js';
import type { CrmContext } from '../../../src/crm/context.js';
import { createUser } from '../../../src/crm/users.js';
import type { User } from '../../../src/domain/records.js';
import { createKeyring } from '../../../src/security/keyring.js';
import { buildServer } from '../../../src/server.js';
import type { DialectName } from '../../../src/store/db.js';
import { createTestDatabase } from '../../helpers/databases.js';
import { freePort } from '../../helpers/peers.js';

export const USERNAME = 'alice';
export const PASSWORD = 'correct horse battery';
/** The device login real clients use (A1). */
export const LOGIN = `${USERNAME}_device=Client`;

export interface CrmsyncServer {
  /** Server root, e.g. http://127.0.0.1:34567/ */
  url: string;
  ctx: CrmContext;
  user: User;
  server: FastifyInstance;
  collections: { contacts: string; calendar: string; tasks: string };
  /** Everything the server logged (for failure messages). */
  logs: string[];
  close(): Promise<void>;
}

export async function startCrmsync(dialect: DialectName = 'sqlite'): Promise<CrmsyncServer> {
  const tdb = await createTestDatabase(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), 'crmsync-client-'));
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } });
  const crm: CrmContext = { db: tdb.database.db, dialect, now: Date.now };
  const app: AppContext = {
    config: loadConfig({ CRMSYNC_DATA: dataDir }),
    database: tdb.database,
    crm,
    keyring: createKeyring(randomBytes(32)),
    logger: createLogger('warn', sink),
    close: async () => {},
  };
  const user = await createUser(crm, { username: USERNAME, password: PASSWORD, displayName: 'Alice Adler', email: 'alice@example.com' });
  const server = await buildServer(app, { loginLimits: { baseDelayMs: 0 } });
  const port = await freePort();
  await server.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${port}/`;
  return {
    url, ctx: crm, user, server, logs,
    collections: {
      contacts: `${url}dav/addressbooks/${USERNAME}/contacts/`,
      calendar: `${url}dav/calendars/${USERNAME}/calendar/`,
      tasks: `${url}dav/calendars/${USERNAME}/tasks/`,
    },
    async close() {
      await server.close();
      await tdb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's interpreter: the `python3` on PATH may be another one without the packages. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Whether a tool can run here. Missing: a visible notice and the tests skip; under CI=true the
 * tests must not skip, so this throws.
 */
export function toolAvailable(what: string, check: () => boolean, install: string): boolean {
  let ok = false;
  try { ok = check(); } catch { ok = false; }
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`${what} is required under CI (${install})`);
  console.warn(`\n*** ${what} not found: its real-client tests are SKIPPED (${install}) ***\n`);
  return false;
}

export const pythonModuleAvailable = (module: string, pkg: string) =>
  toolAvailable(`${DEBIAN_PYTHON} with ${module}`, () => existsSync(DEBIAN_PYTHON) && spawnSync(DEBIAN_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0, `apt-get install ${pkg}`);

export const binaryAvailable = (bin: string, pkg: string) =>
  toolAvailable(bin, () => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0, `apt-get install ${pkg}`);
