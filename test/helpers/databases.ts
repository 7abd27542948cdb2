// Runs a test body against SQLite and PostgreSQL (issue 2: every repository test runs on both).
// PostgreSQL tests create and drop their own database on the local server (TEST_DATABASE_URL
// overrides the server URL). Without a reachable server they are skipped with a visible notice,
// except under CI=true, where they must run and fail loudly instead.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database, type DialectName } from '../../src/store/db.js';
import type { CrmContext } from '../../src/crm/context.js';

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let pgReachable: Promise<boolean> | null = null;
export function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch (e) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${SERVER_URL} is required under CI: ${(e as Error).message}`);
      console.warn(`\n*** PostgreSQL not reachable at ${SERVER_URL}: PostgreSQL variants of the store tests are SKIPPED ***\n`);
      return false;
    }
  })();
  return pgReachable;
}

export interface TestDatabase {
  database: Database;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'crmsync-test-'));
    const url = join(dir, 'test.db');
    const database = await openDatabase(url);
    return { database, url, drop: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = `crmsync_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(SERVER_URL, name);
  const database = await openDatabase(url);
  return {
    database, url,
    drop: async () => {
      await database.close();
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The dialects this run covers: both, or SQLite alone (with the notice) where PostgreSQL is absent. */
export async function dialects(): Promise<DialectName[]> {
  return (await postgresReachable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A CrmContext over a fresh database, with a clock the test controls. */
export interface TestCrm {
  ctx: CrmContext;
  clock: { now: number };
  drop(): Promise<void>;
}

export async function createTestCrm(dialect: DialectName, start = Date.UTC(2026, 10, 22, 9, 0, 0)): Promise<TestCrm> {
  const tdb = await createTestDatabase(dialect);
  const clock = { now: start };
  return { ctx: { db: tdb.database.db, dialect, now: () => clock.now }, clock, drop: tdb.drop };
}
