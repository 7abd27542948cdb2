// Opens the store: SQLite (embedded default, O1) or PostgreSQL (O2), behind one Kysely type.
import { Kysely, PostgresDialect, SqliteDialect, sql, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrate.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: DialectName;
  /** Where it lives, for messages: a file path or a postgres URL without password. */
  readonly location: string;
  close(): Promise<void>;
}

// int8 (epoch ms, counters, journal ids) would arrive as strings; every value we keep in
// bigint columns fits in a double (ms until year 285,616), so parse them as numbers.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

export async function openDatabase(target: string, opts: { migrate?: boolean } = {}): Promise<Database> {
  const database = isPostgresUrl(target) ? openPostgres(target) : openSqlite(target);
  if (opts.migrate !== false) await migrateToLatest(database.db, database.dialect);
  return database;
}

function openSqlite(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const native = new SQLite(path);
  // WAL lets the CLI read and write while the server runs (issue: "CLI works on the same data
  // while the server is running"); busy_timeout makes the second writer wait instead of failing.
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 10000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: native }), plugins: [new NativeSqlite(native)] });
  return { db, dialect: 'sqlite', location: path, close: () => db.destroy() };
}

/**
 * Carries the better-sqlite3 handle behind a Kysely instance. Plugins travel into every
 * transaction Kysely opens, so code running inside `db.transaction()` can find the handle and run
 * cached prepared statements on it — inside the very same SQLite transaction, because SQLite has
 * one connection and Kysely holds it (and its mutex) for the whole transaction. Used only by the
 * bulk write path (src/crm/bulk.ts); it changes no query.
 */
export class NativeSqlite implements KyselyPlugin {
  constructor(readonly handle: SQLite.Database) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

/** The better-sqlite3 handle behind `db` (a Kysely instance or one of its transactions), if any. */
export function nativeSqliteOf(db: Kysely<DB>): SQLite.Database | null {
  for (const p of db.getExecutor().plugins) if (p instanceof NativeSqlite) return p.handle;
  return null;
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client whose connection the server closes (restart, admin termination) emits
  // 'error'; unhandled it would crash the process. The pool replaces it on next use.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location: redactUrl(url), close: () => db.destroy() };
}

/** Liveness probe for /healthz. */
export async function ping(database: Database): Promise<void> {
  await sql`select 1`.execute(database.db);
}
