// Recurrence expansion (RFC 5545 §3.3.10 RRULE, §3.8.5.1–2 EXDATE/RDATE, §3.8.4.4 RECURRENCE-ID)
// for the S2 window (seriesBounds) and for expanded listings (expandOccurrences).
//
// Rule instances are iterated by ical.js in the series' local wall time and converted to UTC per
// instance, so a 09:00 Berlin meeting stays at 09:00 across DST. All-day bounds are UTC midnights
// of their dates; callers comparing them with instants widen by ±14h (R3).
//
// Runaway protection (decision): nothing here throws on size. expandOccurrences stops after
// `maxInstances` results or `maxIterations` rule steps and reports `truncated: true`;
// seriesBounds answers "unbounded" (lastEnd null) for a COUNT it cannot enumerate in its budget,
// and UNTIL + duration (an upper bound) for an UNTIL rule it cannot.
import ICAL from 'ical.js';
import type { Appointment, OccurrenceOverride, Timing } from '../domain/records.js';
import { startKey, timingAt, timingBounds, type Bounds } from './timing.js';
import { epochToLocal, localToEpoch, parseLocal, type LocalDateTime } from './tz.js';

export type Series = Pick<Appointment, 'timing' | 'recurrence' | 'overrides'>;

export interface Occurrence {
  /** Original start in series form (the RECURRENCE-ID of this instance, R2). */
  recurrenceId: string;
  /** Effective timing (an override's when moved). */
  timing: Timing;
  /** UTC bounds of `timing` (all-day: UTC midnights). */
  start: number;
  end: number;
  /** The override changing this instance, if any. */
  override: OccurrenceOverride | null;
}

export interface ExpandOptions {
  /** Most occurrences returned (default 1000, at most 10 000). */
  maxInstances?: number;
  /**
   * Most rule steps taken from DTSTART (default 2 000, at most 50 000). This is what bounds the
   * time: an ical.js step costs ~0.05–2 ms (monthly BYDAY rules far from DTSTART are the slowest),
   * so the default stays around a few seconds at worst. A daily series more than ~5 years before
   * the range needs a larger budget, or is reported truncated.
   */
  maxIterations?: number;
}

export interface Expansion {
  occurrences: Occurrence[];
  /** True when a limit cut the result short; the caller must not treat the list as complete. */
  truncated: boolean;
}

const HARD_MAX_INSTANCES = 10_000;
const HARD_MAX_ITERATIONS = 50_000;
const BOUNDS_ITERATIONS = 2_000;

/** Occurrences overlapping [rangeStart, rangeEnd), sorted by start. */
export function expandOccurrences(
  appt: Series, rangeStart: number, rangeEnd: number, opts: ExpandOptions = {},
): Expansion {
  const maxInstances = Math.min(opts.maxInstances ?? 1000, HARD_MAX_INSTANCES);
  const maxIterations = Math.min(opts.maxIterations ?? 2_000, HARD_MAX_ITERATIONS);
  const { excluded, changed } = overrideIndex(appt);
  const found = new Map<string, Occurrence>();
  let truncated = false;

  const consider = (key: string, override: OccurrenceOverride | null, original: Timing | null = null) => {
    if (excluded.has(key) || found.has(key)) return;
    const timing = override?.timing ?? original ?? timingAt(appt.timing, key);
    if (!timing) return;
    const b = timingBounds(timing);
    if (overlaps(b.start, b.end, rangeStart, rangeEnd)) {
      found.set(key, { recurrenceId: key, timing, start: b.start, end: b.end, override });
    }
  };

  let steps = 0;
  for (const key of instanceKeys(appt)) {
    if (++steps > maxIterations) {
      truncated = true;
      break;
    }
    const original = timingAt(appt.timing, key);
    if (!original || timingBounds(original).start >= rangeEnd) break; // later instances start later still
    consider(key, changed.get(key) ?? null, original);
  }
  for (const key of appt.recurrence?.rdates ?? []) consider(key, changed.get(key) ?? null);
  for (const [key, o] of changed) consider(key, o); // moved into the range from outside it

  const occurrences = [...found.values()].sort((a, b) => a.start - b.start || cmp(a.recurrenceId, b.recurrenceId));
  if (occurrences.length > maxInstances) {
    occurrences.length = maxInstances;
    truncated = true;
  }
  return { occurrences, truncated };
}

/** First start and last end of the whole series (lastEnd null = unbounded), for the S2 window. */
export function seriesBounds(appt: Series): { firstStart: number; lastEnd: number | null } {
  const master = timingBounds(appt.timing);
  const { excluded, changed } = overrideIndex(appt);
  const spans: Bounds[] = [master];
  for (const key of appt.recurrence?.rdates ?? []) {
    const t = timingAt(appt.timing, key);
    if (t && !excluded.has(key)) spans.push(timingBounds(t));
  }
  for (const o of changed.values()) if (o.timing) spans.push(timingBounds(o.timing));
  const firstStart = Math.min(...spans.map((b) => b.start));
  const lastEnd = (more: number[] = []) => Math.max(...spans.map((b) => b.end), ...more);

  const rrule = appt.recurrence?.rrule;
  if (!rrule) return { firstStart, lastEnd: lastEnd() };
  const recur = ICAL.Recur.fromString(rrule);
  if (!recur.count && !recur.until) return { firstStart, lastEnd: null };
  let last: string | null = null;
  let steps = 0;
  for (const key of instanceKeys(appt)) {
    if (++steps > BOUNDS_ITERATIONS) {
      // Too many to enumerate: COUNT → treat as unbounded; UNTIL → UNTIL + duration bounds it.
      if (!recur.until) return { firstStart, lastEnd: null };
      return { firstStart, lastEnd: lastEnd([untilEpoch(recur.until, appt.timing) + master.end - master.start]) };
    }
    last = key;
  }
  const lastTiming = last ? timingAt(appt.timing, last) : null;
  return { firstStart, lastEnd: lastEnd(lastTiming ? [timingBounds(lastTiming).end] : []) };
}

/** Keys of the RRULE instances in order, DTSTART first (RFC 5545 §3.8.5.3). No RRULE: DTSTART only. */
export function* instanceKeys(appt: Series): Generator<string> {
  const first = startKey(appt.timing);
  const rrule = appt.recurrence?.rrule;
  if (!rrule) {
    yield first;
    return;
  }
  const recur = ICAL.Recur.fromString(rrule);
  const dtstart = toIcalTime(parseLocal(first)!, appt.timing.allDay);
  // A UTC UNTIL bounds local wall times only after conversion into the series zone.
  if (recur.until && !recur.until.isDate && recur.until.zone === ICAL.Timezone.utcTimezone && !appt.timing.allDay) {
    recur.until = toIcalTime(epochToLocal(appt.timing.timeZone, untilEpoch(recur.until, appt.timing)), false);
  }
  const it = recur.iterator(dtstart);
  for (let t = it.next(); t; t = it.next()) {
    yield t.isDate ? formatKey(t, true) : formatKey(t, appt.timing.allDay);
  }
}

function untilEpoch(until: ICAL.Time, timing: Timing): number {
  const l = { year: until.year, month: until.month, day: until.day, hour: until.hour, minute: until.minute, second: until.second };
  if (until.zone === ICAL.Timezone.utcTimezone || timing.allDay) return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return localToEpoch(timing.timeZone, l);
}

function toIcalTime(l: LocalDateTime, isDate: boolean): ICAL.Time {
  return ICAL.Time.fromData({ ...l, isDate });
}

function formatKey(t: ICAL.Time, dateOnly: boolean): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${p(t.year, 4)}${p(t.month)}${p(t.day)}`;
  return dateOnly ? date : `${date}T${p(t.hour)}${p(t.minute)}${p(t.second)}`;
}

function overrideIndex(appt: Series) {
  const excluded = new Set(appt.recurrence?.exdates ?? []);
  const changed = new Map<string, OccurrenceOverride>();
  for (const o of appt.overrides) {
    if (o.cancelled) excluded.add(o.recurrenceId);
    else changed.set(o.recurrenceId, o);
  }
  for (const key of excluded) changed.delete(key);
  return { excluded, changed };
}

/** RFC 4791 §9.9 overlap; a zero-length instance counts when it starts inside the range. */
function overlaps(start: number, end: number, rangeStart: number, rangeEnd: number): boolean {
  return start < rangeEnd && (end > rangeStart || (start === end && start >= rangeStart));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
