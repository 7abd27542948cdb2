// Bulk row writes for imports (issue 2 item 10): many rows of one table in as few round trips as
// the store allows, always inside the caller's transaction.
//
// SQLite fast path, and why it is here: Kysely's SQLite driver compiles and prepares every
// statement afresh, so a multi-row INSERT of a few hundred rows costs more in building the SQL,
// parsing the values and `prepare` than SQLite spends writing them. better-sqlite3 runs a
// prepared one-row INSERT in a few microseconds, so inside a transaction we prepare one statement
// per (table, columns) once and run it per row on the native handle. This goes through the same
// transaction: SQLite has a single connection, Kysely holds it (and its mutex) for the whole
// `db.transaction()` and the native handle is that connection, so a rollback undoes these rows
// with the rest. Outside a transaction, or on PostgreSQL, rows go through Kysely as multi-row
// INSERTs as large as the driver's parameter limit allows.
import type { Statement } from 'better-sqlite3';
import type { Database as SqliteHandle } from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { nativeSqliteOf } from '../store/db.js';
import type { CrmContext } from './context.js';

/** Bound parameters per statement: SQLite's SQLITE_MAX_VARIABLE_NUMBER (32,766), PostgreSQL's 65,535. */
const PARAM_LIMIT = { sqlite: 32_766, postgres: 65_535 } as const;
/** Rows per multi-row statement at most, whatever the limit: keeps one statement's SQL text bounded. */
const MAX_ROWS_PER_STATEMENT = 5_000;

export interface OnConflict {
  columns: readonly string[];
  /** Columns set from the conflicting row (`excluded`); none: DO NOTHING. */
  update?: readonly string[];
}

type Row = Record<string, unknown>;

const statements = new WeakMap<SqliteHandle, Map<string, Statement>>();

function prepared(handle: SqliteHandle, sqlText: string): Statement {
  let cache = statements.get(handle);
  if (!cache) statements.set(handle, (cache = new Map()));
  let stmt = cache.get(sqlText);
  if (!stmt) cache.set(sqlText, (stmt = handle.prepare(sqlText)));
  return stmt;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function conflictSql(c: OnConflict | undefined): string {
  if (!c) return '';
  const target = ` on conflict (${c.columns.map(quote).join(', ')})`;
  if (!c.update || c.update.length === 0) return `${target} do nothing`;
  return `${target} do update set ${c.update.map((col) => `${quote(col)} = excluded.${quote(col)}`).join(', ')}`;
}

/** The native SQLite handle when `ctx` is inside an open SQLite transaction, else null. */
export function sqliteInTransaction(ctx: CrmContext): SqliteHandle | null {
  if (ctx.dialect !== 'sqlite' || !ctx.db.isTransaction) return null;
  const handle = nativeSqliteOf(ctx.db);
  return handle && handle.inTransaction ? handle : null;
}

/**
 * Inserts `rows` (all with the same columns, in the same key order, no undefined values) into
 * `table`. Equivalent to Kysely's `insertInto(table).values(rows)` with the given conflict clause.
 */
export async function insertRows(ctx: CrmContext, table: keyof DB & string, rows: readonly Row[], onConflict?: OnConflict): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const native = sqliteInTransaction(ctx);
  if (native) {
    const stmt = prepared(native, `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values (${columns.map(() => '?').join(', ')})${conflictSql(onConflict)}`);
    const values: unknown[] = new Array(columns.length);
    for (const row of rows) {
      for (let i = 0; i < columns.length; i++) values[i] = row[columns[i]!];
      stmt.run(values);
    }
    return;
  }
  const perStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(PARAM_LIMIT[ctx.dialect] / columns.length)));
  const db = ctx.db as unknown as Kysely<Record<string, Row>>;
  for (let i = 0; i < rows.length; i += perStatement) {
    let q = db.insertInto(table).values(rows.slice(i, i + perStatement) as never);
    if (onConflict) {
      const { columns: target, update } = onConflict;
      q = q.onConflict((oc) => {
        const on = oc.columns(target as never);
        return update && update.length > 0
          ? on.doUpdateSet((eb) => Object.fromEntries(update.map((col) => [col, eb.ref(`excluded.${col}` as never)])) as never)
          : on.doNothing();
      });
    }
    await q.execute();
  }
}

/** Largest IN list for one query: the parameter limit less room for the other parameters. */
export function inListSize(ctx: CrmContext): number {
  return ctx.dialect === 'sqlite' ? 30_000 : 60_000;
}
