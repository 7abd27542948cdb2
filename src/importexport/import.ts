// The import pipeline (issue 2 items 7 and 9): find the files, read vCards before iCalendar (so
// appointments can name the contacts just imported), create or match every entry, and report
// each broken entry with its file and position. Broken entries never stop the import.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { userAuthor, type Author } from '../domain/authors.js';
import type { User } from '../domain/records.js';
import type { CrmContext } from '../crm/context.js';
import { withBulkCheckpoints } from '../store/checkpoints.js';
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

export async function importPath(ctx: CrmContext, target: string, opts: ImportOptions): Promise<ImportReport> {
  // Fewer WAL checkpoints while the batches are written (src/store/checkpoints.ts).
  return withBulkCheckpoints(ctx.db, () => importFiles(ctx, target, opts));
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
