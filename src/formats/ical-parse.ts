// One calendar object resource (RFC 4791 §4.1: one UID — a VEVENT master with its RECURRENCE-ID
// overrides, or a VTODO) → appointment or task fields, raw attendees and extras.
// Field table: docs/mapping.md.
import type {
  Appointment, AppointmentStatus, OccurrenceOverride, ParticipationStatus, Recurrence, Reminder, Task, TaskStatus, Timing,
} from '../domain/records.js';
import ICAL from 'ical.js';
import { decode, paramFirst, rawValue, type ContentLine } from './contentline.js';
import { FormatError } from './errors.js';
import type { RawComponent } from './ical-tree.js';
import { epochOf, readDuration, readTimes, readTiming, seriesKey } from './ical-values.js';
import { timingAt } from './timing.js';
import { canonicalZone } from './tz.js';

export type AppointmentFields = Omit<
  Appointment,
  'id' | 'externalId' | 'uid' | 'createdAt' | 'updatedAt' | 'version' | 'organizerUserId' | 'attendees' | 'linkedContactIds'
>;
export type TaskFields = Omit<
  Task,
  'id' | 'externalId' | 'uid' | 'createdAt' | 'updatedAt' | 'version' | 'responsibleUserIds' | 'linkedContactIds'
>;

export type CalendarUserType = 'individual' | 'group' | 'resource' | 'room' | 'unknown';

/** An ATTENDEE as sent (RFC 5545 §3.8.4.1); the caller resolves it to a user, contact, group or resource. */
export interface RawAttendee {
  /** The address after "mailto:", or null for other URIs (see parseCrmsyncUri). */
  email: string | null;
  uri: string;
  name: string | null;
  role: 'required' | 'optional';
  cutype: CalendarUserType;
  partstat: ParticipationStatus;
}

export interface RawOrganizer { email: string | null; uri: string; name: string | null }

/** Unfolded raw lines the CRM has no field for; give them back to the renderer unchanged. */
export interface CalendarExtras {
  /** VCALENDAR properties (X-WR-*, ...). */
  calendar: string[];
  /** The VEVENT master or the VTODO: properties and unmapped sub-components (VALARM blocks). */
  component: string[];
  /** Per override VEVENT, by its recurrenceId (series form). */
  overrides: Record<string, string[]>;
  /**
   * The original VALARM blocks that became reminders, by minutes before the start. Rendering a
   * reminder that still exists writes its original block back unchanged (UID, DESCRIPTION,
   * X-WR-ALARMUID, Apple/Evolution properties), so a device's alarm is not rewritten by a sync.
   */
  alarms?: Record<string, string[]>;
  /** The same for each override VEVENT, by its recurrenceId. */
  overrideAlarms?: Record<string, Record<string, string[]>>;
  /**
   * VTODO only: the IANA zone of DTSTART and DUE where the device wrote them with a TZID. A task's
   * start and due are instants in the CRM; rendering writes them in this zone again (with its
   * VTIMEZONE), so the device's wall-clock time and zone survive.
   */
  timeZones?: Partial<Record<'DTSTART' | 'DUE', string>>;
}

export type ParsedCalendarObject =
  | {
    kind: 'appointment'; uid: string; fields: AppointmentFields;
    attendees: RawAttendee[]; organizer: RawOrganizer | null; extras: CalendarExtras;
  }
  | { kind: 'task'; uid: string; fields: TaskFields; extras: CalendarExtras };

export interface CalendarParseOptions {
  /** Zone for floating date-times (no TZID, no Z) when the calendar has no X-WR-TIMEZONE. Default UTC. */
  defaultTimeZone?: string;
}

/** Lines regenerated on every render (or fixed), never extras. */
const CALENDAR_KNOWN = new Set(['VERSION', 'PRODID', 'CALSCALE', 'METHOD']);
// SEQUENCE is not regenerated: the device's value is kept as an extra and served back (RFC 5545
// §3.8.7.4 makes it the organizer's revision counter, which a sync must not reset).
const COMMON_KNOWN = new Set(['UID', 'DTSTAMP', 'CREATED', 'LAST-MODIFIED', 'SUMMARY', 'DESCRIPTION', 'STATUS', 'DTSTART']);
const EVENT_KNOWN = new Set([...COMMON_KNOWN, 'DTEND', 'DURATION', 'LOCATION', 'CLASS', 'RRULE', 'RDATE', 'EXDATE', 'RECURRENCE-ID', 'ATTENDEE', 'ORGANIZER']);
const TODO_KNOWN = new Set([...COMMON_KNOWN, 'DUE', 'DURATION', 'PRIORITY', 'PERCENT-COMPLETE', 'COMPLETED']);

/** Build one object from a calendar's properties and its VEVENT/VTODO components (all of one UID). */
export function readObject(
  calendarProps: readonly ContentLine[], components: readonly RawComponent[], opts: CalendarParseOptions,
): ParsedCalendarObject {
  const calendarExtras = readCalendarProps(calendarProps);
  const defaultZone = floatingZone(calendarProps, opts);
  const items = components.filter((c) => c.name === 'VEVENT' || c.name === 'VTODO');
  const first = items[0];
  if (!first) throw new FormatError('unsupported-component', 'no VEVENT or VTODO in this calendar object', components[0]?.line ?? 1);
  const uid = uidOf(first);
  for (const c of items) {
    if (c.name !== first.name) throw new FormatError('malformed', 'VEVENT and VTODO in one calendar object resource', c.line);
    if (uidOf(c) !== uid) throw new FormatError('malformed', `several UIDs in one calendar object resource ("${uid}", "${uidOf(c)}")`, c.line);
  }
  if (first.name === 'VTODO') {
    if (items.length > 1) throw new FormatError('malformed', 'more than one VTODO with the same UID', items[1]!.line);
    const { fields, extras, timeZones } = readTodo(first, defaultZone);
    const all: CalendarExtras = { calendar: calendarExtras, component: extras, overrides: {} };
    if (timeZones) all.timeZones = timeZones;
    return { kind: 'task', uid, fields, extras: all };
  }
  return readEvents(uid, items, defaultZone, calendarExtras);
}

function readCalendarProps(props: readonly ContentLine[]): string[] {
  const version = props.find((p) => p.name === 'VERSION');
  if (version && rawValue(version.raw).trim() !== '2.0') {
    throw new FormatError('unsupported-version', `iCalendar VERSION ${rawValue(version.raw).trim()} is not supported; 2.0 is`, version.line);
  }
  const calscale = props.find((p) => p.name === 'CALSCALE');
  if (calscale && rawValue(calscale.raw).trim().toUpperCase() !== 'GREGORIAN') {
    throw new FormatError('malformed', `CALSCALE ${rawValue(calscale.raw).trim()} is not supported`, calscale.line);
  }
  return props.filter((p) => !CALENDAR_KNOWN.has(p.name)).map((p) => p.raw);
}

/** Google and others name the zone of floating times in X-WR-TIMEZONE. */
function floatingZone(props: readonly ContentLine[], opts: CalendarParseOptions): string {
  const wr = props.find((p) => p.name === 'X-WR-TIMEZONE');
  return (wr && canonicalZone(rawValue(wr.raw).trim())) || opts.defaultTimeZone || 'UTC';
}

function uidOf(c: RawComponent): string {
  const uid = one(c, 'UID');
  const value = uid ? text(uid) : '';
  if (!value) throw new FormatError('malformed', `${c.name} without UID`, c.line);
  return value;
}

function one(c: RawComponent, name: string): ContentLine | null {
  return c.props.find((p) => p.name === name) ?? null;
}

/** TEXT value (RFC 5545 §3.3.11), unescaped by ical.js. */
function text(cl: ContentLine): string {
  const v = decode(cl, 'icalendar').getFirstValue();
  return v === null || v === undefined ? '' : String(v);
}

const optionalText = (c: RawComponent, name: string) => {
  const cl = one(c, name);
  return cl ? text(cl) : '';
};

function extrasOf(c: RawComponent, known: ReadonlySet<string>, mappedChildren: ReadonlySet<RawComponent>): string[] {
  return [
    ...c.props.filter((p) => !known.has(p.name)).map((p) => p.raw),
    ...c.children.filter((ch) => !mappedChildren.has(ch)).flatMap((ch) => ch.lines.map((l) => l.raw)),
  ];
}

// ---- VEVENT

function readEvents(uid: string, events: readonly RawComponent[], defaultZone: string, calendar: string[]): ParsedCalendarObject {
  const masters = events.filter((e) => !one(e, 'RECURRENCE-ID'));
  if (masters.length !== 1) {
    throw new FormatError('malformed', masters.length ? 'more than one VEVENT without RECURRENCE-ID' : 'no master VEVENT (only RECURRENCE-ID overrides)', (masters[1] ?? events[0]!).line);
  }
  const master = masters[0]!;
  const timing = timingOf(master, defaultZone);
  const { reminders, mapped, originals } = readAlarms(master);
  const fields: AppointmentFields = {
    title: optionalText(master, 'SUMMARY'),
    note: optionalText(master, 'DESCRIPTION'),
    location: optionalText(master, 'LOCATION'),
    timing,
    recurrence: readRecurrence(master, timing, defaultZone),
    overrides: [],
    status: eventStatus(one(master, 'STATUS')),
    private: isPrivate(master),
    reminders,
  };
  const extras: CalendarExtras = { calendar, component: extrasOf(master, EVENT_KNOWN, mapped), overrides: {} };
  if (Object.keys(originals).length > 0) extras.alarms = originals;
  const cancelled: string[] = [];
  for (const e of events) {
    if (e === master) continue;
    const o = readOverride(e, fields, defaultZone);
    if (o.cancelled) {
      cancelled.push(o.recurrenceId);
      continue;
    }
    const alarms = readAlarms(e);
    // An override is the whole occurrence (RFC 5545 §3.8.4.4): its VALARMs, or none, are its own.
    if (!sameReminders(alarms.reminders, fields.reminders)) o.reminders = alarms.reminders;
    fields.overrides.push(o);
    extras.overrides[o.recurrenceId] = extrasOf(e, EVENT_KNOWN, alarms.mapped);
    if (Object.keys(alarms.originals).length > 0) (extras.overrideAlarms ??= {})[o.recurrenceId] = alarms.originals;
  }
  // Canonical form: a cancelled occurrence is an EXDATE (R2); overrides sorted by original start.
  if (cancelled.length) {
    const r = fields.recurrence ?? { rrule: null, rdates: [], exdates: [] };
    r.exdates = sortedUnique([...r.exdates, ...cancelled]);
    fields.recurrence = r;
  }
  fields.overrides.sort((a, b) => (a.recurrenceId < b.recurrenceId ? -1 : 1));
  const organizerLine = one(master, 'ORGANIZER');
  return {
    kind: 'appointment', uid, fields, extras,
    attendees: master.props.filter((p) => p.name === 'ATTENDEE').map(readAttendee),
    organizer: organizerLine ? readParty(organizerLine) : null,
  };
}

function timingOf(c: RawComponent, defaultZone: string): Timing {
  const dtstart = one(c, 'DTSTART');
  if (!dtstart) throw new FormatError('malformed', `${c.name} without DTSTART`, c.line);
  return readTiming({ dtstart, dtend: one(c, 'DTEND'), duration: one(c, 'DURATION') }, defaultZone);
}

function readRecurrence(c: RawComponent, timing: Timing, defaultZone: string): Recurrence | null {
  const rruleLine = one(c, 'RRULE');
  let rrule: string | null = null;
  if (rruleLine) {
    rrule = rawValue(rruleLine.raw).trim();
    let freq: string | null = null;
    try {
      freq = ICAL.Recur.fromString(rrule).freq;
    } catch (e) {
      throw new FormatError('malformed', `invalid RRULE: ${(e as Error).message}`, rruleLine.line);
    }
    if (!freq) throw new FormatError('malformed', 'RRULE without FREQ', rruleLine.line);
  }
  const keys = (name: string) =>
    c.props.filter((p) => p.name === name).flatMap(readTimes).map((v) => seriesKey(v, timing, defaultZone));
  const rdates = sortedUnique(keys('RDATE'));
  const exdates = sortedUnique(keys('EXDATE'));
  return rrule || rdates.length || exdates.length ? { rrule, rdates, exdates } : null;
}

/**
 * An override (RECURRENCE-ID, RFC 5545 §3.8.4.4). Fields are set only where they differ from the
 * master, timing only where it differs from the unmodified occurrence. RANGE=THISANDFUTURE is
 * read as this occurrence only.
 */
function readOverride(e: RawComponent, master: AppointmentFields, defaultZone: string): OccurrenceOverride {
  const rid = readTimes(one(e, 'RECURRENCE-ID')!)[0]!;
  const recurrenceId = seriesKey(rid, master.timing, defaultZone);
  const status = eventStatus(one(e, 'STATUS'));
  const o: OccurrenceOverride = { recurrenceId, cancelled: status === 'cancelled' };
  if (o.cancelled) return o;
  const timing = one(e, 'DTSTART') ? timingOf(e, defaultZone) : null;
  if (timing && JSON.stringify(timing) !== JSON.stringify(timingAt(master.timing, recurrenceId))) o.timing = timing;
  const title = optionalText(e, 'SUMMARY');
  const note = optionalText(e, 'DESCRIPTION');
  const location = optionalText(e, 'LOCATION');
  if (title !== master.title) o.title = title;
  if (note !== master.note) o.note = note;
  if (location !== master.location) o.location = location;
  if (status !== master.status) o.status = status;
  return o;
}

function eventStatus(cl: ContentLine | null): AppointmentStatus {
  switch (cl ? rawValue(cl.raw).trim().toUpperCase() : '') {
    case 'TENTATIVE': return 'tentative';
    case 'CANCELLED': return 'cancelled';
    default: return 'confirmed';
  }
}

/** S4: CLASS PRIVATE and CONFIDENTIAL both mark the appointment private. */
function isPrivate(c: RawComponent): boolean {
  const cl = one(c, 'CLASS');
  const v = cl ? rawValue(cl.raw).trim().toUpperCase() : 'PUBLIC';
  return v === 'PRIVATE' || v === 'CONFIDENTIAL';
}

/**
 * VALARM (RFC 5545 §3.6.6) → reminders: only ACTION:DISPLAY with a TRIGGER relative to the start,
 * at or before it, in whole minutes. Every other alarm stays as extras.
 */
function readAlarms(c: RawComponent): { reminders: Reminder[]; mapped: Set<RawComponent>; originals: Record<string, string[]> } {
  const reminders: Reminder[] = [];
  const mapped = new Set<RawComponent>();
  const originals: Record<string, string[]> = {};
  for (const alarm of c.children) {
    if (alarm.name !== 'VALARM') continue;
    const action = one(alarm, 'ACTION');
    const trigger = one(alarm, 'TRIGGER');
    if (!action || rawValue(action.raw).trim().toUpperCase() !== 'DISPLAY' || !trigger) continue;
    const prop = decode(trigger, 'icalendar');
    if ((paramFirst(prop, 'related') ?? 'START').toUpperCase() !== 'START' || !(prop.getFirstValue() instanceof ICAL.Duration)) continue;
    const seconds = readDuration(trigger).toSeconds();
    if (seconds > 0 || seconds % 60 !== 0) continue;
    reminders.push({ minutesBefore: -seconds / 60 });
    mapped.add(alarm);
    originals[String(-seconds / 60)] ??= alarm.lines.map((l) => l.raw);
  }
  return { reminders, mapped, originals };
}

function sameReminders(a: readonly Reminder[], b: readonly Reminder[]): boolean {
  const minutes = (rs: readonly Reminder[]) => rs.map((r) => r.minutesBefore).sort((x, y) => x - y).join(',');
  return a.length === b.length && minutes(a) === minutes(b);
}

function readParty(cl: ContentLine): RawOrganizer {
  const prop = decode(cl, 'icalendar');
  const uri = rawValue(cl.raw).trim();
  const mailto = /^mailto:(.*)$/i.exec(uri);
  return { email: mailto ? mailto[1]! : null, uri, name: paramFirst(prop, 'cn') };
}

function readAttendee(cl: ContentLine): RawAttendee {
  const prop = decode(cl, 'icalendar');
  const role = (paramFirst(prop, 'role') ?? 'REQ-PARTICIPANT').toUpperCase();
  const cutype = (paramFirst(prop, 'cutype') ?? 'INDIVIDUAL').toLowerCase();
  const partstat = (paramFirst(prop, 'partstat') ?? 'NEEDS-ACTION').toLowerCase();
  return {
    ...readParty(cl),
    role: role === 'OPT-PARTICIPANT' || role === 'NON-PARTICIPANT' ? 'optional' : 'required',
    cutype: (['individual', 'group', 'resource', 'room'].includes(cutype) ? cutype : 'unknown') as CalendarUserType,
    partstat: (['accepted', 'declined', 'tentative'].includes(partstat) ? partstat : 'needs-action') as ParticipationStatus,
  };
}

// ---- VTODO

function readTodo(c: RawComponent, defaultZone: string): { fields: TaskFields; extras: string[]; timeZones?: CalendarExtras['timeZones'] } {
  const time = (name: string) => {
    const cl = one(c, name);
    return cl ? readTimes(cl)[0]! : null;
  };
  const start = time('DTSTART');
  const due = time('DUE');
  const durationLine = one(c, 'DURATION');
  const completed = time('COMPLETED');
  const startMs = start ? epochOf(start, defaultZone) : null;
  let dueMs = due ? epochOf(due, defaultZone) : null;
  if (dueMs === null && startMs !== null && durationLine) dueMs = startMs + readDuration(durationLine).toSeconds() * 1000;
  const fields: TaskFields = {
    title: optionalText(c, 'SUMMARY'),
    note: optionalText(c, 'DESCRIPTION'),
    start: startMs,
    due: dueMs,
    priority: clampInt(one(c, 'PRIORITY'), 0, 9),
    status: todoStatus(one(c, 'STATUS')),
    percentComplete: clampInt(one(c, 'PERCENT-COMPLETE'), 0, 100),
    completedAt: completed ? epochOf(completed, defaultZone) : null,
  };
  if (start?.dateOnly || due?.dateOnly) fields.dateOnly = true;
  const timeZones: NonNullable<CalendarExtras['timeZones']> = {};
  for (const [name, v] of [['DTSTART', start], ['DUE', due]] as const) {
    if (v && !v.dateOnly && v.zone !== 'utc' && v.zone !== 'floating') timeZones[name] = v.zone;
  }
  const out = { fields, extras: extrasOf(c, TODO_KNOWN, new Set()) };
  return Object.keys(timeZones).length > 0 ? { ...out, timeZones } : out;
}

function todoStatus(cl: ContentLine | null): TaskStatus {
  const v = cl ? rawValue(cl.raw).trim().toLowerCase() : '';
  return v === 'in-process' || v === 'completed' || v === 'cancelled' ? v : 'needs-action';
}

function clampInt(cl: ContentLine | null, min: number, max: number): number {
  const n = cl ? Number.parseInt(rawValue(cl.raw).trim(), 10) : min;
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : min;
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
