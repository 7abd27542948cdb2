// Prepared statements kept across calls on SQLite, for the few hot read paths of bulk work (issue 4
// item 6: a first sync reads thousands of records and link rows a batch at a time).
//
// Kysely's SQLite driver compiles and prepares every query afresh; for a lookup of 500 ids that is
// a 500-parameter statement built, parsed and planned per call, and a new one for every list
// length. Here such lookups are one statement per table that takes the whole id list as one JSON
// parameter (`json_each`), prepared once per connection and run on the better-sqlite3 handle.
// The handle is only used while nothing else can: inside a transaction (which holds SQLite's one
// connection) or while holding Kysely's connection for the call, so no other query interleaves.
// PostgreSQL keeps the Kysely path; callers offer both and `withSqliteStatement` says which runs.
import type { Kysely } from 'kysely';
import type { Database as SqliteHandle, Statement } from 'better-sqlite3';
import { nativeSqliteOf } from './db.js';
import type { DB } from './schema.js';

const cache = new WeakMap<SqliteHandle, Map<string, Statement>>();

/** The handle's prepared statement for `sqlText`, prepared at first use. */
export function preparedStatement(handle: SqliteHandle, sqlText: string): Statement {
  let statements = cache.get(handle);
  if (!statements) cache.set(handle, (statements = new Map()));
  let st = statements.get(sqlText);
  if (!st) statements.set(sqlText, (st = handle.prepare(sqlText)));
  return st;
}

/**
 * On SQLite, runs `fn` with the prepared statement for `sqlText` while this code alone uses the
 * connection, and returns `{ value }`; on PostgreSQL returns null (the caller runs its Kysely query).
 */
export async function withSqliteStatement<T>(db: Kysely<DB>, sqlText: string, fn: (st: Statement) => T): Promise<{ value: T } | null> {
  const handle = nativeSqliteOf(db);
  if (!handle) return null;
  if (db.isTransaction) {
    // Kysely's transaction holds the connection; the handle is inside that very transaction.
    if (!handle.inTransaction) return null;
    return { value: fn(preparedStatement(handle, sqlText)) };
  }
  return db.connection().execute(async () => ({ value: fn(preparedStatement(handle, sqlText)) }));
}
