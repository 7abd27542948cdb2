// Calendar items as loaded for a calendar-query, kept by what determines them (collection,
// record id, version, updated-at, extras revision), so a repeated query window costs a stamp
// query and lookups, not a reload and JSON parse of every candidate (issue 3 item 9). With
// each entry the series' occurrence bounds are kept once computed: a time-range test of a
// finite recurring event is then a scan of numbers instead of an iCalendar rule expansion.
import { expandOccurrences } from '../formats/index.js';
import type { DavLimits } from './config.js';
import type { ItemExtras, LoadedRecord } from './items.js';
import { MAX_TIME, MIN_TIME } from './query/timeRange.js';
import type { TimeRange } from './xml/index.js';

export interface CachedRecord {
  readonly data: LoadedRecord;
  readonly extras: ItemExtras | null;
  /**
   * Start and end of every occurrence, flat [s0, e0, s1, e1, …]; null when the series is too
   * long to list (an unbounded rule, or past the per-object limits): then it is expanded per query.
   */
  bounds?: readonly number[] | null;
}

export const recordKey = (collectionId: string, itemId: string, version: number, updatedAt: number, extrasRev: number) =>
  `${collectionId}\u0000${itemId}\u0000${version}\u0000${updatedAt}\u0000${extrasRev}`;

/** Bounded by entries, oldest first out (Map insertion order). */
export class RecordCache {
  private readonly entries = new Map<string, CachedRecord>();
  constructor(private readonly maxEntries: number) {}

  get(key: string): CachedRecord | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: CachedRecord): void {
    if (this.maxEntries <= 0 || this.entries.has(key)) return;
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

type Limits = Pick<DavLimits, 'maxInstancesPerObject' | 'maxIterationsPerObject'>;

/**
 * Whether a recurring appointment overlaps `range` (RFC 4791 §9.9), from its listed occurrences:
 * the same answer as expanding the series over the range (formats/recurrence.ts compares each
 * occurrence the same way), since an expansion that was not cut short lists every occurrence.
 * Undefined when the series cannot be listed; the caller expands it over the range instead.
 */
export function seriesOverlaps(entry: CachedRecord, range: TimeRange, limits: Limits): boolean | undefined {
  if (entry.data.unit !== 'calendar' || entry.data.record.recurrence === null) return undefined;
  if (entry.bounds === undefined) {
    const x = expandOccurrences(entry.data.record, MIN_TIME, MAX_TIME, { maxInstances: limits.maxInstancesPerObject, maxIterations: limits.maxIterationsPerObject });
    entry.bounds = x.truncated ? null : x.occurrences.flatMap((o) => [o.start, o.end]);
  }
  const b = entry.bounds;
  if (b === null) return undefined;
  const start = range.start ?? MIN_TIME;
  const end = range.end ?? MAX_TIME;
  for (let i = 0; i < b.length; i += 2) {
    const s = b[i]!;
    const e = b[i + 1]!;
    if (s < end && (e > start || (s === e && s >= start))) return true;
  }
  return false;
}
