// The import pipeline (issue 2 items 7 and 9): find the files, read vCards before iCalendar (so
// appointments can name the contacts just imported), create or match every entry, and report
// each broken entry with its file and position. Broken entries never stop the import.
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { relative } from 'node:path';
import { userAuthor, type Author } from '../domain/authors.js';
import type { User } from '../domain/records.js';
import type { CrmContext } from '../crm/context.js';
import { countCalendarItems, importCalendarText } from './calendarImport.js';
import { Directory } from './parties.js';
import { ProgressCounter, type ProgressListener } from './progress.js';
import { ImportReport } from './report.js';
import { findSources, type SourceFile } from './sources.js';
import { countVCards, importVCardText, type ParseWorkers } from './vcardImport.js';

export interface ImportOptions {
  /** The user whose tick contacts get (with `tick`), who attends appointments and is responsible for tasks. */
  user: User;
  tick: boolean;
  /** Journal author (X5); the user by default. */
  author?: Author;
  /** Entries per transaction (default 1000). */
  batchSize?: number;
  onProgress?: ProgressListener;
  /** vCard parse worker threads: 0 (main thread) or 'auto' (by file size and cores); see vcardImport.ts. */
  parseWorkers?: ParseWorkers;
}

function displayPath(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

const FORMAT_ORDER = { vcard: 0, icalendar: 1 } as const;

/**
 * WAL pages between automatic checkpoints during an import. SQLite checkpoints after any commit
 * that leaves more than wal_autocheckpoint pages (default 1,000 = 4 MiB) in the WAL; a batch of
 * 1,000 contacts writes more than that, so by default every batch commit also copies the WAL into
 * the database file and syncs it (0.3–0.8 s per 10,000 contacts on the shared host). With 16,384
 * pages (64 MiB of WAL) that happens every dozen batches or so.
 */
const IMPORT_WAL_AUTOCHECKPOINT = 16_384;

/** Runs `fn` with fewer automatic WAL checkpoints on SQLite, restoring the connection's setting after. */
async function withBulkCheckpoints<T>(ctx: CrmContext, fn: () => Promise<T>): Promise<T> {
  if (ctx.dialect !== 'sqlite' || ctx.db.isTransaction) return fn();
  const before = (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(ctx.db)).rows[0]?.wal_autocheckpoint;
  if (before === undefined || before >= IMPORT_WAL_AUTOCHECKPOINT) return fn();
  await sql.raw(`PRAGMA wal_autocheckpoint = ${IMPORT_WAL_AUTOCHECKPOINT}`).execute(ctx.db);
  try {
    return await fn();
  } finally {
    await sql.raw(`PRAGMA wal_autocheckpoint = ${Math.trunc(before)}`).execute(ctx.db);
  }
}

export async function importPath(ctx: CrmContext, target: string, opts: ImportOptions): Promise<ImportReport> {
  return withBulkCheckpoints(ctx, () => importFiles(ctx, target, opts));
}

async function importFiles(ctx: CrmContext, target: string, opts: ImportOptions): Promise<ImportReport> {
  const report = new ImportReport();
  const sources = await findSources(target);
  report.skippedFiles.push(...sources.skipped);
  const files: SourceFile[] = [...sources.files].sort((a, b) => FORMAT_ORDER[a.format] - FORMAT_ORDER[b.format]);
  let estimate = 0;
  for (const f of files) {
    const text = await readFile(f.path, 'utf8');
    estimate += f.format === 'vcard' ? countVCards(text) : countCalendarItems(text);
  }
  const progress = new ProgressCounter(estimate, opts.onProgress);
  const author = opts.author ?? userAuthor(opts.user.id, opts.user.username);
  const batchSize = opts.batchSize ?? 1000;
  let directory: Directory | null = null;
  for (const f of files) {
    const text = await readFile(f.path, 'utf8');
    const name = displayPath(target, f.path);
    if (f.format === 'vcard') {
      await importVCardText(ctx, name, text, { author, tickUserId: opts.tick ? opts.user.id : null, batchSize, ...(opts.parseWorkers !== undefined ? { parseWorkers: opts.parseWorkers } : {}) }, report, progress);
    } else {
      directory ??= await Directory.load(ctx);
      await importCalendarText(ctx, name, text, { author, userId: opts.user.id, batchSize: Math.min(batchSize, 500), directory }, report, progress);
    }
  }
  return report;
}
