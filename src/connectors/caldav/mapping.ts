// Remote item text (vCard / iCalendar) ↔ UnitPayload, through src/formats (no parser of our own).
//  - M1: every item we write carries X-CRMSYNC-ID:<crm id>; reading it back gives RemoteItem.crmId.
//  - Updates re-render from the original text's extras, so properties the CRM has no field for
//    survive (X- properties, VALARMs it does not map, Apple label groups, the vCard version).
//  - G2: ATTENDEE/ORGANIZER lines are written with SCHEDULE-AGENT=CLIENT (RFC 6638 §7.1) by
//    formats' renderAppointment; lines of people the CRM cannot hold (F3) are carried over from
//    the original, with SCHEDULE-AGENT=CLIENT set on them too, so a sync never sends invitations.
import type { Appointment, Attendee, Contact, Task, Unit } from '../../domain/records.js';
import {
  parseCalendarObject, parseCrmsyncUri, parseVCard, renderAppointment, renderTask, renderVCard,
  type AttendeeResolver, type CalendarExtras, type RawAttendee,
} from '../../formats/index.js';
import { escapeText, formatLine, headOf, rawValue, unfold } from '../../formats/contentline.js';
import { readCalendar } from '../../formats/ical-tree.js';
import type { UnitPayload } from '../types.js';

/**
 * Who the people in ATTENDEE lines are, both ways. The engine supplies the CRM's directory; the
 * default knows only the urn:x-crmsync: addresses formats writes for parties without e-mail and
 * resources, and writes users, groups and contacts under those addresses.
 */
export interface AttendeeDirectory extends AttendeeResolver {
  /** A remote ATTENDEE → a CRM attendee; null keeps the remote line as it is (F3). */
  identify(attendee: RawAttendee): Attendee | null;
}

export const defaultDirectory: AttendeeDirectory = {
  user: () => ({ name: '', email: null }),
  group: () => ({ name: '', email: null }),
  contact: () => ({ name: '', email: null }),
  identify(a) {
    const known = parseCrmsyncUri(a.uri);
    if (known?.kind === 'user') return { kind: 'user', userId: known.id, role: a.role, status: a.partstat };
    if (known?.kind === 'contact') return { kind: 'contact', contactId: known.id, role: a.role, status: a.partstat };
    if (known?.kind === 'group') return { kind: 'group', groupId: known.id, role: a.role };
    if (known?.kind === 'resource' || a.cutype === 'resource' || a.cutype === 'room') {
      return { kind: 'resource', name: a.name ?? known?.id ?? a.email ?? a.uri, email: a.email };
    }
    return null;
  },
};

export const CRMSYNC_ID = 'X-CRMSYNC-ID';

export type ReadResult =
  | { ok: true; uid: string | null; crmId: string | null; payload: UnitPayload }
  /** The text is an item of another unit sharing the collection (an event in a task list's calendar). */
  | { ok: false; otherUnit: true; reason: string };

/** Parses one remote item; throws FormatError when it is not valid vCard/iCalendar (L5: skip it). */
export function readItem(unit: Unit, text: string, directory: AttendeeDirectory): ReadResult {
  if (unit === 'contacts') {
    const card = parseVCard(text);
    return { ok: true, uid: card.uid, crmId: crmIdIn(card.extras), payload: { unit, record: card.fields } };
  }
  const obj = parseCalendarObject(text);
  const objUnit: Unit = obj.kind === 'appointment' ? 'calendar' : 'tasks';
  if (objUnit !== unit) return { ok: false, otherUnit: true, reason: `holds a ${obj.kind === 'appointment' ? 'VEVENT' : 'VTODO'}, not an item of ${unit}` };
  const crmId = crmIdIn(obj.extras.component);
  if (obj.kind === 'task') return { ok: true, uid: obj.uid, crmId, payload: { unit: 'tasks', record: obj.fields } };
  const attendees = obj.attendees.map((a) => directory.identify(a)).filter((a) => a !== null);
  return { ok: true, uid: obj.uid, crmId, payload: { unit: 'calendar', record: { ...obj.fields, attendees } } };
}

export interface WriteContext {
  uid: string;
  crmId: string;
  /** The item's current text (update), or null (create). */
  original: string | null;
  directory: AttendeeDirectory;
  now: number;
}

/** Renders the payload; on update the original's extras are merged in (unknown properties survive). */
export function writeItem(payload: UnitPayload, ctx: WriteContext): string {
  const stamp = { id: ctx.crmId, externalId: null, uid: ctx.uid, createdAt: ctx.now, updatedAt: ctx.now, version: 0 };
  const idLine = formatLine(CRMSYNC_ID, [], escapeText(ctx.crmId, true));
  switch (payload.unit) {
    case 'contacts': {
      const original = ctx.original === null ? null : parseVCard(ctx.original);
      const contact: Contact = { ...payload.record, ...stamp, archived: false, responsibleUserId: null };
      const version = ctx.original !== null && /^VERSION:\s*4\.0\s*$/im.test(ctx.original) ? '4.0' : '3.0';
      return renderVCard(contact, { version, extras: [...withoutCrmsyncId(original?.extras ?? []), idLine] });
    }
    case 'tasks': {
      const extras = calendarExtras(ctx.original, 'VTODO');
      const task: Task = { ...payload.record, ...stamp, responsibleUserIds: [], linkedContactIds: [] };
      return renderTask(task, { extras: { ...extras, component: [...withoutCrmsyncId(extras.component), idLine] } });
    }
    case 'calendar': {
      const extras = calendarExtras(ctx.original, 'VEVENT');
      const carried = ctx.original === null ? [] : carriedParties(ctx.original, ctx.directory);
      const appt: Appointment = { ...payload.record, ...stamp, organizerUserId: null, linkedContactIds: [] };
      return renderAppointment(appt, {
        resolver: ctx.directory,
        extras: { ...extras, component: [...carried, ...withoutCrmsyncId(extras.component), idLine] },
      });
    }
  }
}

function calendarExtras(original: string | null, component: 'VEVENT' | 'VTODO'): CalendarExtras {
  if (original === null) return { calendar: [], component: [], overrides: {} };
  const obj = parseCalendarObject(original);
  if ((obj.kind === 'task') !== (component === 'VTODO')) return { calendar: obj.extras.calendar, component: [], overrides: {} };
  return obj.extras;
}

function crmIdIn(extras: readonly string[]): string | null {
  const line = extras.find((raw) => headOf(raw)?.name === CRMSYNC_ID);
  return line ? unescapeText(rawValue(line)).trim() || null : null;
}

const withoutCrmsyncId = (extras: readonly string[]) => extras.filter((raw) => headOf(raw)?.name !== CRMSYNC_ID);

const unescapeText = (s: string) => s.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

/**
 * The original master VEVENT's ORGANIZER (the CRM payload has none) and the ATTENDEEs the
 * directory does not know, as raw lines with SCHEDULE-AGENT=CLIENT (G2).
 */
function carriedParties(original: string, directory: AttendeeDirectory): string[] {
  const obj = parseCalendarObject(original);
  if (obj.kind !== 'appointment') return [];
  const master = readCalendar(unfold(original)).children
    .find((c) => c.name === 'VEVENT' && !c.props.some((p) => p.name === 'RECURRENCE-ID'));
  if (!master) return [];
  const attendeeLines = master.props.filter((p) => p.name === 'ATTENDEE');
  const unknown = attendeeLines.filter((_, i) => {
    const a = obj.attendees[i];
    return a !== undefined && directory.identify(a) === null;
  });
  return [...master.props.filter((p) => p.name === 'ORGANIZER'), ...unknown].map((l) => clientScheduled(l.raw));
}

/** Sets SCHEDULE-AGENT=CLIENT on a raw ORGANIZER/ATTENDEE line, replacing any other value. */
function clientScheduled(raw: string): string {
  const value = rawValue(raw);
  const head = raw.slice(0, raw.length - value.length - 1).replace(/;SCHEDULE-AGENT=("[^"]*"|[^;:]*)/gi, '');
  return `${head};SCHEDULE-AGENT=CLIENT:${value}`;
}
