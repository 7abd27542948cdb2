// vCard files → contacts (issue 2 item 7): parsed piece by piece, validated with the same schema
// as the REST API, then created or matched by UID in batches through importContacts (one
// transaction per batch). The importing user's sync tick is set with --tick (S1).
//
// Big files (issue 2 item 10): parsing and validation are CPU work that needs no database, so
// with parseWorkers 'auto' and from POOL_MIN_CARDS cards on they run in worker threads (parsePool.ts) while the main thread
// writes the previous batch. Pieces are applied strictly in file order, so the database, the
// journal and the report are the same as with the single-threaded path; at most
// maxInFlight(pool) pieces are parsed ahead of the writer (bounded memory, backpressure).
import type { Author } from '../domain/authors.js';
import type { Id } from '../domain/records.js';
import { importContacts } from '../crm/contacts.js';
import type { CrmContext } from '../crm/context.js';
import { countMatches, vcardPieces, type TextPiece } from './chunks.js';
import { defaultPoolSize, ParsePool } from './parsePool.js';
import type { ProgressCounter } from './progress.js';
import type { ImportReport } from './report.js';
import { parseVCardPiece, type ParsedPiece } from './vcardParse.js';

export interface ContactImportOptions {
  author: Author;
  tickUserId: Id | null;
  batchSize: number;
  /**
   * Parse worker threads: 0 parses on the main thread; 'auto' uses defaultPoolSize() workers for
   * files of at least POOL_MIN_CARDS cards (below that, starting a worker costs more than it
   * saves). Default DEFAULT_PARSE_WORKERS.
   */
  parseWorkers?: ParseWorkers;
}

export type ParseWorkers = number | 'auto';

/**
 * The main thread by default: on the 2-vCPU shared benchmark host the pool gave no consistent
 * gain (slower in most paired runs, 8 % faster in one; docs/benchmarks.md, "Foundation (issue
 * 2)"): the second core is not idle there, and the worker adds about 1.2 s of CPU per 10,000 cards
 * (its own JIT warm-up, copying the contacts between threads, a second heap). Switch to 'auto'
 * where a measurement on a machine with a free core shows it pays.
 */
export const DEFAULT_PARSE_WORKERS: ParseWorkers = 0;

/** Below this many cards a file is parsed on the main thread (a worker takes ~50–100 ms to start). */
export const POOL_MIN_CARDS = 2000;

export const countVCards = (text: string) => countMatches(text, /^begin:vcard\s*$/gim);

/** FormatError messages name lines of the piece they were parsed from; make them lines of the file. */
function shiftLines(message: string, offset: number): string {
  return offset === 0 ? message : message.replace(/^line (\d+):/, (_, n: string) => `line ${Number(n) + offset}:`);
}

async function applyPiece(
  ctx: CrmContext, file: string, piece: TextPiece, parsed: ParsedPiece, opts: ContactImportOptions, report: ImportReport, progress: ProgressCounter,
): Promise<void> {
  for (const f of parsed.failures) {
    report.failures.push({ file, index: f.index + piece.indexOffset, line: f.line + piece.lineOffset, message: shiftLines(f.message, piece.lineOffset) });
  }
  const results = parsed.contacts.length > 0 ? await importContacts(ctx, parsed.contacts, opts.author, opts.tickUserId) : [];
  for (const r of results) report.add('contacts', r.matched);
  progress.advance(parsed.entries);
}

export async function importVCardText(
  ctx: CrmContext, file: string, text: string, opts: ContactImportOptions, report: ImportReport, progress: ProgressCounter,
): Promise<void> {
  const setting = opts.parseWorkers ?? DEFAULT_PARSE_WORKERS;
  const workers = setting === 'auto' ? (countVCards(text) >= POOL_MIN_CARDS ? defaultPoolSize() : 0) : setting;
  if (workers <= 0) {
    for (const piece of vcardPieces(text, opts.batchSize)) {
      await applyPiece(ctx, file, piece, parseVCardPiece(piece.text), opts, report, progress);
    }
    return;
  }
  const pool = new ParsePool(workers);
  // One piece per worker being parsed plus the one being written: the writer never waits for a
  // parse it could have had, and no more than that is held in memory.
  const maxInFlight = workers + 1;
  const inFlight: { piece: TextPiece; parsed: Promise<ParsedPiece> }[] = [];
  const pieces = vcardPieces(text, opts.batchSize);
  const submit = (): boolean => {
    const next = pieces.next();
    if (next.done) return false;
    const parsed = pool.parse(next.value.text);
    parsed.catch(() => {}); // awaited in order below; a failure while an earlier piece is written must not be "unhandled"
    inFlight.push({ piece: next.value, parsed });
    return true;
  };
  try {
    const first = pieces.next();
    if (first.done) return;
    while (inFlight.length < maxInFlight && submit());
    // The first piece is parsed here while the workers start (loading the parser took about 1 s
    // under tsx on the loaded host), then written while they parse the next ones.
    await applyPiece(ctx, file, first.value, parseVCardPiece(first.value.text), opts, report, progress);
    while (inFlight.length > 0) {
      const head = inFlight.shift()!;
      const parsed = await head.parsed;
      submit(); // keep the workers busy while this piece is written
      await applyPiece(ctx, file, head.piece, parsed, opts, report, progress);
    }
  } finally {
    await pool.close();
  }
}
