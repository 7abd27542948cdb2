// A whole crmsync server over a fresh test database (SQLite or PostgreSQL), driven with
// fastify.inject, plus users with API tokens to call it as.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/app/config.js';
import type { AppContext } from '../../src/app/context.js';
import { createLogger } from '../../src/app/logger.js';
import { createApiToken } from '../../src/auth/tokens.js';
import { createUser, type NewUser } from '../../src/crm/users.js';
import type { User } from '../../src/domain/records.js';
import { createKeyring } from '../../src/security/keyring.js';
import { buildServer } from '../../src/server.js';
import type { DialectName } from '../../src/store/db.js';
import { createTestDatabase } from '../helpers/databases.js';

export interface TestServer {
  app: AppContext;
  server: FastifyInstance;
  clock: { now: number };
  /** Everything the server logged, one JSON line per entry. */
  logs: string[];
  admin: User;
  /** Authorization headers of the admin. */
  adminAuth: { authorization: string };
  /** Creates a user and returns it with Authorization headers for one of its tokens. */
  userWithToken(input: NewUser): Promise<{ user: User; auth: { authorization: string } }>;
  close(): Promise<void>;
}

export async function createTestServer(dialect: DialectName): Promise<TestServer> {
  const tdb = await createTestDatabase(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), 'crmsync-api-'));
  const clock = { now: Date.UTC(2026, 10, 22, 9, 0, 0) };
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } });
  const app: AppContext = {
    config: loadConfig({ CRMSYNC_DATA: dataDir }),
    database: tdb.database,
    crm: { db: tdb.database.db, dialect, now: () => clock.now },
    keyring: createKeyring(randomBytes(32)),
    logger: createLogger('info', sink),
    close: async () => {},
  };
  const server = await buildServer(app, { loginLimits: { baseDelayMs: 0 } });
  const userWithToken = async (input: NewUser) => {
    const user = await createUser(app.crm, input);
    const { token } = await createApiToken(app.crm, user.id, 'test');
    return { user, auth: { authorization: `Bearer ${token}` } };
  };
  const admin = await userWithToken({ username: 'admin', password: 'admin-password', isAdmin: true });
  return {
    app, server, clock, logs, admin: admin.user, adminAuth: admin.auth, userWithToken,
    close: async () => {
      await server.close();
      await tdb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const person = (givenName: string, familyName: string, extra: Record<string, unknown> = {}) => ({
  kind: 'person', givenName, familyName, ...extra,
});
