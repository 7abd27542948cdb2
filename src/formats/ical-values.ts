// iCalendar date/time values (RFC 5545 §3.3.4–5 DATE/DATE-TIME, §3.3.6 DURATION, §3.3.9 PERIOD)
// read into instants, series-form keys and Timings.
import ICAL from 'ical.js';
import type { Timing } from '../domain/records.js';
import { decode, paramFirst, type ContentLine } from './contentline.js';
import { FormatError } from './errors.js';
import {
  addDaysIso, basicDateToIso, epochToLocal, formatLocal, localAsUtc, localToEpoch, parseLocal, resolveTzid,
  type LocalDateTime,
} from './tz.js';

export interface TimeValue {
  local: LocalDateTime;
  dateOnly: boolean;
  /** 'utc' (…Z), 'floating' (no TZID), or the IANA zone its TZID maps to. */
  zone: string;
  line: number;
}

/** All DATE / DATE-TIME values of a property (EXDATE and RDATE may hold several; a PERIOD gives its start). */
export function readTimes(cl: ContentLine): TimeValue[] {
  const prop = decode(cl, 'icalendar');
  const tzid = paramFirst(prop, 'tzid');
  let values: unknown[];
  try {
    values = prop.getValues();
  } catch (e) {
    throw new FormatError('malformed', `${cl.name}: ${(e as Error).message}`, cl.line);
  }
  return values.map((v) => {
    const t = v instanceof ICAL.Period ? v.start : v;
    if (!(t instanceof ICAL.Time)) throw new FormatError('malformed', `${cl.name} is not a date or date-time`, cl.line);
    const local = { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
    if (!parseLocal(formatLocal(local, false))) {
      throw new FormatError('malformed', `${cl.name} has an invalid date "${cl.raw.slice(cl.raw.lastIndexOf(':') + 1)}"`, cl.line);
    }
    let zone = 'floating';
    if (!t.isDate && t.zone === ICAL.Timezone.utcTimezone) zone = 'utc';
    else if (!t.isDate && tzid) zone = resolveTzid(tzid) ?? unknownZone(tzid, cl.line);
    return { local, dateOnly: t.isDate, zone, line: cl.line };
  });
}

function unknownZone(tzid: string, line: number): never {
  throw new FormatError('unknown-timezone', `unknown time zone "${tzid}"`, line);
}

/** The IANA zone a date-time lives in; floating times take the default zone. */
export function zoneOf(v: TimeValue, defaultZone: string): string {
  return v.zone === 'utc' ? 'UTC' : v.zone === 'floating' ? defaultZone : v.zone;
}

export function epochOf(v: TimeValue, defaultZone: string): number {
  return v.dateOnly ? localAsUtc({ ...v.local, hour: 0, minute: 0, second: 0 }) : localToEpoch(zoneOf(v, defaultZone), v.local);
}

const isoOf = (l: LocalDateTime) => basicDateToIso(formatLocal(l, true));

/**
 * A RECURRENCE-ID / EXDATE / RDATE value as the series-form key (records.ts Recurrence): a date
 * for all-day series, else the local time in the series' zone (values in other zones are converted).
 */
export function seriesKey(v: TimeValue, series: Timing, defaultZone: string): string {
  if (series.allDay) return formatLocal(v.local, true);
  if (v.dateOnly) {
    const seriesLocal = epochToLocal(series.timeZone, series.start);
    return formatLocal({ ...v.local, hour: seriesLocal.hour, minute: seriesLocal.minute, second: seriesLocal.second }, false);
  }
  if (v.zone === 'floating') return formatLocal(v.local, false);
  return formatLocal(epochToLocal(series.timeZone, epochOf(v, defaultZone)), false);
}

export interface TimingSource {
  dtstart: ContentLine;
  dtend: ContentLine | null;
  duration: ContentLine | null;
}

/** DTSTART + DTEND/DURATION → Timing (RFC 5545 §3.6.1: no end = one day for DATE, zero length otherwise). */
export function readTiming(src: TimingSource, defaultZone: string): Timing {
  const start = readTimes(src.dtstart)[0]!;
  const duration = src.duration ? readDuration(src.duration) : null;
  const end = src.dtend ? readTimes(src.dtend)[0]! : null;
  if (start.dateOnly) {
    const startDate = isoOf(start.local);
    let endDate = end ? isoOf(end.local) : addDaysIso(startDate, duration ? Math.floor(duration.toSeconds() / 86_400) : 1);
    if (endDate <= startDate) endDate = addDaysIso(startDate, 1);
    return { allDay: true, startDate, endDate };
  }
  const timeZone = zoneOf(start, defaultZone);
  const startMs = epochOf(start, defaultZone);
  let endMs = startMs;
  if (end) endMs = end.dateOnly ? localToEpoch(timeZone, end.local) : epochOf(end, defaultZone);
  else if (duration) endMs = addDuration(timeZone, start.local, duration);
  return { allDay: false, start: startMs, end: Math.max(startMs, endMs), timeZone };
}

export function readDuration(cl: ContentLine): ICAL.Duration {
  const v = decode(cl, 'icalendar').getFirstValue();
  if (!(v instanceof ICAL.Duration)) throw new FormatError('malformed', `${cl.name} is not a duration`, cl.line);
  return v;
}

/** Weeks and days are nominal (wall-clock days), hours and less exact (RFC 5545 §3.3.6). */
function addDuration(zone: string, local: LocalDateTime, d: ICAL.Duration): number {
  const sign = d.isNegative ? -1 : 1;
  const days = sign * (d.weeks * 7 + d.days);
  const shifted = new Date(localAsUtc(local) + days * 86_400_000);
  const l = {
    year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate(),
    hour: local.hour, minute: local.minute, second: local.second,
  };
  return localToEpoch(zone, l) + sign * (d.hours * 3600 + d.minutes * 60 + d.seconds) * 1000;
}
