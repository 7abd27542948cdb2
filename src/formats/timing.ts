// Timing ↔ UTC bounds and the "series form" keys of occurrences (records.ts Recurrence, R2).
import type { Timing } from '../domain/records.js';
import {
  addDaysIso, basicDateToIso, dateToUtcEpoch, epochToLocal, formatLocal, isoDateToBasic, localToEpoch, parseLocal,
} from './tz.js';

const DAY = 86_400_000;

export interface Bounds { start: number; end: number }

/** UTC bounds. All-day: UTC midnight of the dates (callers widen by ±14h for floating dates, R3). */
export function timingBounds(t: Timing): Bounds {
  return t.allDay
    ? { start: dateToUtcEpoch(t.startDate), end: dateToUtcEpoch(t.endDate) }
    : { start: t.start, end: t.end };
}

/** The series-form key of a timing's start: "20260105T090000" in its zone, or "20260105". */
export function startKey(t: Timing): string {
  return t.allDay ? isoDateToBasic(t.startDate) : formatLocal(epochToLocal(t.timeZone, t.start), false);
}

/** The timing of an unmodified occurrence starting at `key`: same zone and length as the master. */
export function timingAt(master: Timing, key: string): Timing | null {
  const l = parseLocal(key);
  if (!l) return null;
  if (master.allDay) {
    const days = Math.round((dateToUtcEpoch(master.endDate) - dateToUtcEpoch(master.startDate)) / DAY);
    const startDate = basicDateToIso(key.slice(0, 8));
    return { allDay: true, startDate, endDate: addDaysIso(startDate, days) };
  }
  const start = localToEpoch(master.timeZone, l);
  return { allDay: false, start, end: start + (master.end - master.start), timeZone: master.timeZone };
}
