// Wall-clock time in IANA zones, via the runtime's ICU data (Intl). RFC 5545 §3.3.5 semantics:
// a local time skipped by a DST change is read with the offset before the change; a repeated
// local time is read as its first occurrence.

export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

const canonical = new Map<string, string | null>();

/**
 * Canonical IANA name (case fixed) of a zone the runtime knows, or null. Cached: building a
 * formatter costs ~0.4 ms, and imports resolve the same few zones thousands of times.
 */
export function canonicalZone(zone: string): string | null {
  let known = canonical.get(zone);
  if (known === undefined) {
    try {
      known = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      known = null;
    }
    if (canonical.size < 10_000) canonical.set(zone, known); // bounded: TZIDs come from client input
  }
  return known;
}

/** UTC offset in ms straight from ICU (slow: ~50µs). */
function icuOffset(zone: string, epoch: number): number {
  const whole = Math.floor(epoch / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(whole))) parts[p.type] = p.value;
  const y = Number(parts.year);
  const local = {
    year: parts.era === 'BC' ? 1 - y : y, month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
  };
  return localAsUtc(local) - whole;
}

/**
 * Offset transitions per zone and UTC year, found by sampling ICU weekly and bisecting to the
 * second, then cached: recurrence expansion converts thousands of instants per call.
 */
interface YearTable { starts: number[]; offsets: number[] }
const yearTables = new Map<string, Map<number, YearTable>>();
const WEEK = 7 * 86_400_000;

function yearTable(zone: string, year: number): YearTable {
  let byYear = yearTables.get(zone);
  if (!byYear) yearTables.set(zone, (byYear = new Map()));
  let table = byYear.get(year);
  if (table) return table;
  const from = Date.UTC(year, 0, 1);
  const to = Date.UTC(year + 1, 0, 1);
  table = { starts: [from], offsets: [icuOffset(zone, from)] };
  for (let a = from; a < to; a += WEEK) {
    const b = Math.min(a + WEEK, to);
    const before = table.offsets[table.offsets.length - 1]!;
    if (icuOffset(zone, b) === before) continue;
    let lo = a;
    let hi = b; // offset(lo) === before, offset(hi) !== before
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (icuOffset(zone, mid) === before) lo = mid;
      else hi = mid;
    }
    table.starts.push(hi);
    table.offsets.push(icuOffset(zone, hi));
  }
  byYear.set(year, table);
  return table;
}

const YEAR_2000 = Date.UTC(2000, 0, 1);
const utcYear = (epoch: number) => {
  const guess = 2000 + Math.floor((epoch - YEAR_2000) / 31_556_952_000);
  return Date.UTC(guess + 1, 0, 1) <= epoch ? guess + 1 : Date.UTC(guess, 0, 1) > epoch ? guess - 1 : guess;
};

function offsetAt(zone: string, epoch: number): number {
  const t = yearTable(zone, utcYear(epoch));
  let i = t.starts.length - 1;
  while (i > 0 && t.starts[i]! > epoch) i--;
  return t.offsets[i]!;
}

export function epochToLocal(zone: string, epoch: number): LocalDateTime {
  const d = new Date(Math.floor(epoch / 1000) * 1000 + offsetAt(zone, epoch));
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(),
  };
}

export function localAsUtc(l: LocalDateTime): number {
  const d = new Date(0);
  d.setUTCFullYear(l.year, l.month - 1, l.day);
  d.setUTCHours(l.hour, l.minute, l.second, 0);
  return d.getTime();
}

export function localToEpoch(zone: string, l: LocalDateTime): number {
  const naive = localAsUtc(l);
  const before = offsetAt(zone, naive - 86_400_000);
  const after = offsetAt(zone, naive + 86_400_000);
  const candidates = [naive - before, naive - after].filter((t) => naive - offsetAt(zone, t) === t);
  if (candidates.length === 0) return naive - before; // in a DST gap
  return Math.min(...candidates);
}

// ---- The "series form" of RDATE/EXDATE/RECURRENCE-ID values in records.ts: "20260105T090000" | "20260105"

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatLocal(l: LocalDateTime, dateOnly: boolean): string {
  const date = `${pad(l.year, 4)}${pad(l.month)}${pad(l.day)}`;
  return dateOnly ? date : `${date}T${pad(l.hour)}${pad(l.minute)}${pad(l.second)}`;
}

export function parseLocal(s: string): LocalDateTime | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2}))?$/.exec(s);
  if (!m) return null;
  const l: LocalDateTime = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
    hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0), second: Number(m[6] ?? 0),
  };
  return isValidLocal(l) ? l : null;
}

function isValidLocal(l: LocalDateTime): boolean {
  if (l.month < 1 || l.month > 12 || l.day < 1 || l.hour > 23 || l.minute > 59 || l.second > 60) return false;
  return l.day <= new Date(Date.UTC(2000, l.month, 0)).getUTCDate() &&
    (l.month !== 2 || l.day < 29 || isLeap(l.year));
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** "YYYY-MM-DD" (records.ts calendar dates) ↔ "YYYYMMDD" (iCalendar DATE). */
export const isoDateToBasic = (d: string) => d.replace(/-/g, '');
export const basicDateToIso = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** UTC midnight of an ISO or basic date (all-day bounds are computed in UTC; callers widen by ±14h). */
export function dateToUtcEpoch(d: string): number {
  const l = parseLocal(d);
  if (!l) throw new RangeError(`invalid date ${d}`);
  return localAsUtc({ ...l, hour: 0, minute: 0, second: 0 });
}

export function addDaysIso(d: string, days: number): string {
  const t = new Date(dateToUtcEpoch(d) + days * 86_400_000);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

// ---- TZID → IANA

/** The Windows zone names Outlook/Exchange exports use most (CLDR windowsZones.xml, territory 001). */
const WINDOWS_ZONES: Record<string, string> = {
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'GMT Standard Time': 'Europe/London',
  'GTB Standard Time': 'Europe/Bucharest',
  'FLE Standard Time': 'Europe/Kiev',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'Russian Standard Time': 'Europe/Moscow',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'Pacific Standard Time': 'America/Los_Angeles',
  'China Standard Time': 'Asia/Shanghai',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'India Standard Time': 'Asia/Calcutta',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'UTC': 'UTC',
};

/**
 * Map a TZID parameter to an IANA zone: an IANA name itself, a Windows name (Outlook), or an IANA
 * name behind a vendor prefix ("/mozilla.org/20050126_1/Europe/Berlin", Evolution's
 * "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin"). Null when none applies.
 */
export function resolveTzid(tzid: string): string | null {
  const direct = canonicalZone(tzid);
  if (direct) return direct;
  const win = WINDOWS_ZONES[tzid];
  if (win) return canonicalZone(win);
  const segments = tzid.split('/').filter((s) => s !== '');
  for (const n of [3, 2]) {
    if (segments.length > n) {
      const zone = canonicalZone(segments.slice(-n).join('/'));
      if (zone) return zone;
    }
  }
  return null;
}

export function isUtcZone(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Etc/GMT' || zone === 'GMT';
}
