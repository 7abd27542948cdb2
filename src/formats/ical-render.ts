// Appointment / Task → one complete VCALENDAR object resource (RFC 5545, RFC 4791 §4.1).
// Deterministic: DTSTAMP, CREATED and LAST-MODIFIED come from the record, so the same record gives
// the same bytes (ETags). Field table: docs/mapping.md.
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { Appointment, AppointmentStatus, Attendee, Id, OccurrenceOverride, Reminder, Task, Timing } from '../domain/records.js';
import { escapeText, formatLine, headOf, paramValue, PRODID, serialize, type Params } from './contentline.js';
import type { CalendarExtras } from './ical-parse.js';
import { timingAt } from './timing.js';
import { epochToLocal, formatLocal, isoDateToBasic, isUtcZone, localToEpoch, parseLocal } from './tz.js';

/** A person or thing as it appears in ATTENDEE/ORGANIZER. */
export interface Party {
  name: string;
  /** Without "mailto:". Null: the attendee is written with a urn:x-crmsync: URI (see crmsyncUri). */
  email: string | null;
}

/** Resolves CRM ids to parties; return null to leave one out (unknown or not to be shown). */
export interface AttendeeResolver {
  user(id: Id): Party | null;
  group(id: Id): Party | null;
  contact(id: Id): Party | null;
}

export interface AppointmentRenderContext {
  resolver: AttendeeResolver;
  /** From the last parse of this object, re-emitted unchanged. */
  extras?: CalendarExtras;
}

/** The cal-address used for parties without an e-mail address; parseCrmsyncUri reads it back. */
export function crmsyncUri(kind: 'user' | 'group' | 'contact' | 'resource', id: string): string {
  return `urn:x-crmsync:${kind}:${encodeURIComponent(id)}`;
}

export function parseCrmsyncUri(uri: string): { kind: 'user' | 'group' | 'contact' | 'resource'; id: string } | null {
  const m = /^urn:x-crmsync:(user|group|contact|resource):(.*)$/i.exec(uri);
  return m ? { kind: m[1]!.toLowerCase() as 'user', id: decodeURIComponent(m[2]!) } : null;
}

/** Each zone's VTIMEZONE (timezones-ical-library) and the TZID it declares; null = write UTC. */
interface ZoneInfo { tzid: string; block: string[] }

function zoneInfo(zone: string): ZoneInfo | null {
  if (isUtcZone(zone)) return null;
  const result = tzlib_get_ical_block(zone);
  const block = Array.isArray(result) ? result[0] : '';
  if (!block) return null; // unknown to the library: times are written in UTC instead
  const lines = block.split(/\r\n|\n/).filter((l) => l !== '');
  const tzid = lines.find((l) => l.startsWith('TZID:'))!.slice(5);
  return { tzid, block: lines };
}

class CalendarWriter {
  readonly out: string[] = [];
  private readonly zones = new Map<string, ZoneInfo | null>();

  add(name: string, value: string, params: Params = []): void {
    this.out.push(formatLine(name, params, value));
  }

  text(name: string, value: string): void {
    this.add(name, escapeText(value, true));
  }

  private zone(z: string): ZoneInfo | null {
    if (!this.zones.has(z)) this.zones.set(z, zoneInfo(z));
    return this.zones.get(z)!;
  }

  /** A DATE-TIME instant in `zone` (TZID form), or UTC when the zone has no VTIMEZONE. */
  instant(name: string, epoch: number, zone: string): void {
    const info = this.zone(zone);
    if (info) this.add(name, formatLocal(epochToLocal(zone, epoch), false), [['TZID', paramValue(info.tzid)]]);
    else this.utc(name, epoch);
  }

  utc(name: string, epoch: number): void {
    this.add(name, formatLocal(epochToLocal('UTC', epoch), false) + 'Z');
  }

  date(name: string, isoDate: string): void {
    this.add(name, isoDateToBasic(isoDate), [['VALUE', 'DATE']]);
  }

  /** A series-form key (RECURRENCE-ID, EXDATE, RDATE) of a series with `timing` (R2, R3). */
  key(name: string, key: string, timing: Timing): void {
    if (timing.allDay) this.add(name, key.slice(0, 8), [['VALUE', 'DATE']]);
    else this.instant(name, localToEpoch(timing.timeZone, parseLocal(key)!), timing.timeZone);
  }

  /** DTSTART/DTEND; all-day as VALUE=DATE so the date holds in every zone (R3). */
  timing(t: Timing): void {
    if (t.allDay) {
      this.date('DTSTART', t.startDate);
      this.date('DTEND', t.endDate);
    } else {
      this.instant('DTSTART', t.start, t.timeZone);
      this.instant('DTEND', t.end, t.timeZone);
    }
  }

  stamps(r: { createdAt: number; updatedAt: number }): void {
    this.utc('DTSTAMP', r.updatedAt);
    this.utc('CREATED', r.createdAt);
    this.utc('LAST-MODIFIED', r.updatedAt);
  }

  /** Property extras first, then `children`, then extra sub-components (RFC 5545: properties precede alarms). */
  extrasAndChildren(extras: readonly string[], children: () => void): void {
    const props: string[] = [];
    const blocks: string[] = [];
    let depth = 0;
    for (const raw of extras) {
      const h = headOf(raw);
      if (h?.name === 'BEGIN') depth++;
      (depth > 0 ? blocks : props).push(raw);
      if (h?.name === 'END') depth--;
    }
    this.out.push(...props);
    children();
    this.out.push(...blocks);
  }

  /** The whole document: VCALENDAR header, one VTIMEZONE per zone used, then the body. */
  document(calendarExtras: readonly string[]): string {
    const body = this.out;
    const head = [formatLine('BEGIN', [], 'VCALENDAR'), 'VERSION:2.0', `PRODID:${escapeText(PRODID, true)}`, 'CALSCALE:GREGORIAN', ...calendarExtras];
    const zones = [...this.zones.values()].filter((z) => z !== null).flatMap((z) => z.block);
    return serialize([...head, ...zones, ...body, 'END:VCALENDAR']);
  }
}

// ---- VEVENT

const STATUS: Record<AppointmentStatus, string> = { confirmed: 'CONFIRMED', tentative: 'TENTATIVE', cancelled: 'CANCELLED' };

export function renderAppointment(appt: Appointment, ctx: AppointmentRenderContext): string {
  const w = new CalendarWriter();
  const extras = ctx.extras ?? { calendar: [], component: [], overrides: {} };
  const people = partyLines(appt, ctx.resolver);
  const exdates = new Set(appt.recurrence?.exdates ?? []);
  for (const o of appt.overrides) if (o.cancelled) exdates.add(o.recurrenceId); // cancelled → EXDATE

  w.add('BEGIN', 'VEVENT');
  w.text('UID', appt.uid);
  w.stamps(appt);
  w.timing(appt.timing);
  if (appt.recurrence?.rrule) w.add('RRULE', appt.recurrence.rrule);
  for (const k of [...new Set(appt.recurrence?.rdates ?? [])].sort()) w.key('RDATE', k, appt.timing);
  for (const k of [...exdates].sort()) w.key('EXDATE', k, appt.timing);
  eventBody(w, appt, appt.reminders, people, extras.component, extras.alarms);
  w.add('END', 'VEVENT');

  const overrides = appt.overrides.filter((o) => !o.cancelled && !exdates.has(o.recurrenceId))
    .sort((a, b) => (a.recurrenceId < b.recurrenceId ? -1 : 1));
  for (const o of overrides) {
    const timing = o.timing ?? timingAt(appt.timing, o.recurrenceId);
    if (!timing) continue;
    w.add('BEGIN', 'VEVENT');
    w.text('UID', appt.uid);
    w.stamps(appt);
    w.key('RECURRENCE-ID', o.recurrenceId, appt.timing);
    w.timing(timing);
    eventBody(w, overridden(appt, o), o.reminders ?? appt.reminders, people, extras.overrides[o.recurrenceId] ?? [], extras.overrideAlarms?.[o.recurrenceId]);
    w.add('END', 'VEVENT');
  }
  return w.document(extras.calendar);
}

type EventText = Pick<Appointment, 'title' | 'note' | 'location' | 'status' | 'private'>;

function overridden(appt: Appointment, o: OccurrenceOverride): EventText {
  return {
    title: o.title ?? appt.title, note: o.note ?? appt.note, location: o.location ?? appt.location, status: o.status ?? appt.status,
    private: appt.private,
  };
}

function eventBody(
  w: CalendarWriter, t: EventText, reminders: readonly Reminder[], people: readonly string[], extras: readonly string[],
  alarms: Readonly<Record<string, string[]>> = {},
): void {
  w.text('SUMMARY', t.title);
  if (t.note) w.text('DESCRIPTION', t.note);
  if (t.location) w.text('LOCATION', t.location);
  w.add('STATUS', STATUS[t.status]);
  if (t.private) w.add('CLASS', 'PRIVATE'); // S4
  w.out.push(...people);
  const originalAlarms = new Map(Object.entries(alarms));
  w.extrasAndChildren(extras, () => {
    for (const r of reminders) {
      const original = originalAlarms.get(String(r.minutesBefore));
      if (original) {
        originalAlarms.delete(String(r.minutesBefore)); // once: a second reminder at that time is written anew
        w.out.push(...original);
        continue;
      }
      w.add('BEGIN', 'VALARM');
      w.add('ACTION', 'DISPLAY');
      w.text('DESCRIPTION', t.title || 'Reminder');
      w.add('TRIGGER', triggerOf(r.minutesBefore));
      w.add('END', 'VALARM');
    }
  });
}

/** "-PT15M", "-PT2H", "-P1D" (RFC 5545 §3.8.6.3, relative to the start). */
function triggerOf(minutesBefore: number): string {
  const m = Math.max(0, Math.round(minutesBefore));
  if (m === 0) return 'PT0S';
  if (m % 1440 === 0) return `-P${m / 1440}D`;
  if (m % 60 === 0) return `-PT${m / 60}H`;
  return `-PT${m}M`;
}

/**
 * ORGANIZER and ATTENDEE lines, all with SCHEDULE-AGENT=CLIENT (RFC 6638 §7.1) so no server sends
 * invitations because of a sync (G2); optional attendees and resources travel too (G3).
 */
function partyLines(appt: Appointment, resolver: AttendeeResolver): string[] {
  const lines: string[] = [];
  const address = (p: Party, kind: 'user' | 'group' | 'contact' | 'resource', id: string) =>
    p.email ? `mailto:${p.email}` : crmsyncUri(kind, id);
  if (appt.organizerUserId) {
    const p = resolver.user(appt.organizerUserId);
    if (p) lines.push(formatLine('ORGANIZER', [...cn(p.name), ['SCHEDULE-AGENT', 'CLIENT']], address(p, 'user', appt.organizerUserId)));
  }
  for (const a of appt.attendees) {
    const resolved = resolveAttendee(a, resolver);
    if (!resolved) continue;
    const { party, kind, id, cutype } = resolved;
    const params: Array<[string, string]> = [['CUTYPE', cutype]];
    if (a.kind !== 'resource') params.push(['ROLE', a.role === 'optional' ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT']);
    if (a.kind === 'user' || a.kind === 'contact') params.push(['PARTSTAT', a.status.toUpperCase()]);
    params.push(...cn(party.name), ['SCHEDULE-AGENT', 'CLIENT']);
    lines.push(formatLine('ATTENDEE', params, address(party, kind, id)));
  }
  return lines;
}

function resolveAttendee(a: Attendee, r: AttendeeResolver) {
  switch (a.kind) {
    case 'user': return withParty(r.user(a.userId), 'user', a.userId, 'INDIVIDUAL');
    case 'contact': return withParty(r.contact(a.contactId), 'contact', a.contactId, 'INDIVIDUAL');
    case 'group': return withParty(r.group(a.groupId), 'group', a.groupId, 'GROUP');
    case 'resource': return withParty({ name: a.name, email: a.email }, 'resource', a.name, 'RESOURCE');
  }
}

function withParty(party: Party | null, kind: 'user' | 'group' | 'contact' | 'resource', id: string, cutype: string) {
  return party ? { party, kind, id, cutype } : null;
}

const cn = (name: string): Array<[string, string]> => (name ? [['CN', paramValue(name)]] : []);

// ---- VTODO

const TODO_STATUS = { 'needs-action': 'NEEDS-ACTION', 'in-process': 'IN-PROCESS', completed: 'COMPLETED', cancelled: 'CANCELLED' } as const;

export function renderTask(task: Task, ctx: { extras?: CalendarExtras } = {}): string {
  const w = new CalendarWriter();
  const extras = ctx.extras ?? { calendar: [], component: [], overrides: {} };
  const time = (name: 'DTSTART' | 'DUE', epoch: number | null) => {
    if (epoch === null) return;
    const zone = extras.timeZones?.[name];
    if (task.dateOnly) w.add(name, new Date(epoch).toISOString().slice(0, 10).replace(/-/g, ''), [['VALUE', 'DATE']]);
    else if (zone) w.instant(name, epoch, zone); // the device's zone (CalendarExtras.timeZones)
    else w.utc(name, epoch);
  };
  w.add('BEGIN', 'VTODO');
  w.text('UID', task.uid);
  w.stamps(task);
  time('DTSTART', task.start);
  time('DUE', task.due);
  if (task.completedAt !== null) w.utc('COMPLETED', task.completedAt);
  w.text('SUMMARY', task.title);
  if (task.note) w.text('DESCRIPTION', task.note);
  if (task.priority > 0) w.add('PRIORITY', String(task.priority));
  if (task.percentComplete > 0) w.add('PERCENT-COMPLETE', String(task.percentComplete));
  w.add('STATUS', TODO_STATUS[task.status]);
  w.extrasAndChildren(extras.component, () => undefined);
  w.add('END', 'VTODO');
  return w.document(extras.calendar);
}

