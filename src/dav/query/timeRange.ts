// Does a calendar object overlap a time-range (RFC 4791 §9.9)? Recurrences and their moved or
// cancelled occurrences are honoured by expanding the record itself (formats/recurrence.ts),
// bounded by the per-object limits; an expansion cut short by those limits counts as a match,
// so that a runaway rule errs on showing an event rather than hiding it.
import { expandOccurrences, timingBounds } from '../../formats/index.js';
import type { Task } from '../../domain/records.js';
import type { DavLimits } from '../config.js';
import type { LoadedRecord } from '../items.js';
import type { TimeRange } from '../xml/index.js';

/** Far enough for any calendar and still safe for Date arithmetic. */
export const MIN_TIME = -8_640_000_000_000_000 / 2;
export const MAX_TIME = 8_640_000_000_000_000 / 2;

type Limits = Pick<DavLimits, 'maxIterationsPerObject'>;

export function objectOverlaps(data: LoadedRecord, range: TimeRange, limits: Limits): boolean {
  const start = range.start ?? MIN_TIME;
  const end = range.end ?? MAX_TIME;
  switch (data.unit) {
    case 'calendar': {
      const r = data.record;
      if (r.recurrence === null && r.overrides.length === 0) {
        // A single event: its own bounds, as formats/recurrence.ts compares an occurrence's
        // (no rule to expand; the calendar-query of a month meets mostly these).
        const b = timingBounds(r.timing);
        return b.start < end && (b.end > start || (b.start === b.end && b.start >= start));
      }
      const x = expandOccurrences(data.record, start, end, { maxInstances: 1, maxIterations: limits.maxIterationsPerObject });
      return x.occurrences.length > 0 || x.truncated;
    }
    case 'tasks':
      return todoOverlaps(data.record, start, end);
    case 'contacts':
      return false;
    default: {
      const never: never = data;
      throw new Error(`unhandled ${JSON.stringify(never)}`);
    }
  }
}

/** RFC 4791 §9.9, the VTODO table (DURATION is folded into due by the format layer). */
export function todoOverlaps(t: Pick<Task, 'start' | 'due' | 'completedAt' | 'createdAt'>, start: number, end: number): boolean {
  const s = t.start;
  const d = t.due;
  if (s !== null && d !== null) return (start <= s || start < d) && (end > s || end >= d);
  if (s !== null) return start <= s && end > s;
  if (d !== null) return start < d && end >= d;
  if (t.completedAt !== null) return (start <= t.createdAt || start <= t.completedAt) && (end >= t.createdAt || end >= t.completedAt);
  return true;
}

/** §9.9 for a single DATE-TIME property value: start <= value < end. */
export function instantInRange(value: number, range: TimeRange): boolean {
  return (range.start === undefined || range.start <= value) && (range.end === undefined || value < range.end);
}
