// Fewer automatic WAL checkpoints during bulk writes on SQLite (imports, sync runs).
//
// SQLite checkpoints after any commit that leaves more than `wal_autocheckpoint` pages (default
// 1,000 = 4 MiB) in the WAL: it copies the WAL into the database file and syncs it. A bulk write
// of a few thousand rows fills that in a handful of commits, so by default every few commits
// also pays a checkpoint, and pages written again and again (index leaves, the table's last
// page) are copied each time. With 16,384 pages (64 MiB of WAL) that happens every dozen batches
// or so. Measured: 0.3–0.8 s per 10,000 imported contacts on the shared host (issue 2); about a
// third of the commit cost of a first sync (issue 4 item 6).
//
// The setting belongs to the one SQLite connection, so overlapping bulk writers (a sync run while
// an import runs, two channels' batches) share one raise: the first raises it, the last puts
// back what was there before. PostgreSQL has no such setting: `fn` simply runs.
import type { Kysely } from 'kysely';
import type { Database as SqliteHandle } from 'better-sqlite3';
import { nativeSqliteOf } from './db.js';
import type { DB } from './schema.js';

/** WAL pages between automatic checkpoints while a bulk writer runs. */
export const BULK_WAL_AUTOCHECKPOINT = 16_384;

const raised = new WeakMap<SqliteHandle, { writers: number; before: number }>();

/** Runs `fn` with fewer automatic WAL checkpoints on SQLite, restoring the connection's setting after. */
export async function withBulkCheckpoints<T>(db: Kysely<DB>, fn: () => Promise<T>): Promise<T> {
  const handle = nativeSqliteOf(db);
  if (!handle || !handle.open) return fn();
  let state = raised.get(handle);
  if (!state) {
    const before = Number(handle.pragma('wal_autocheckpoint', { simple: true }));
    // Already as large by configuration, or automatic checkpoints are off (0): leave it so.
    if (!(before > 0 && before < BULK_WAL_AUTOCHECKPOINT)) return fn();
    handle.pragma(`wal_autocheckpoint = ${BULK_WAL_AUTOCHECKPOINT}`);
    state = { writers: 0, before };
    raised.set(handle, state);
  }
  state.writers++;
  try {
    return await fn();
  } finally {
    if (--state.writers === 0) {
      raised.delete(handle);
      if (handle.open) handle.pragma(`wal_autocheckpoint = ${Math.trunc(state.before)}`);
    }
  }
}
