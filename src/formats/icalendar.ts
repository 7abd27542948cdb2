// iCalendar entry points: one calendar object resource (CalDAV PUT/GET) and .ics files (import).
import { unfold } from './contentline.js';
import { FormatError, toEntryError, type EntryError } from './errors.js';
import { readObject, type CalendarParseOptions, type ParsedCalendarObject } from './ical-parse.js';
import { readCalendar, scanCalendars, type RawComponent } from './ical-tree.js';

export type {
  AppointmentFields, CalendarExtras, CalendarParseOptions, CalendarUserType, ParsedCalendarObject, RawAttendee, RawOrganizer, TaskFields,
} from './ical-parse.js';
export {
  crmsyncUri, parseCrmsyncUri, renderAppointment, renderTask,
  type AppointmentRenderContext, type AttendeeResolver, type Party,
} from './ical-render.js';

/** Parse one calendar object resource: one UID (VEVENT master + overrides, or one VTODO). Throws FormatError. */
export function parseCalendarObject(text: string, opts: CalendarParseOptions = {}): ParsedCalendarObject {
  const calendar = readCalendar(unfold(text));
  return readObject(calendar.props, calendar.children, opts);
}

export interface CalendarFileEntry {
  /** 1-based position of the item (one UID) in the file. */
  index: number;
  /** 1-based line of its first component. */
  line: number;
  object: ParsedCalendarObject;
}

export interface CalendarFileResult {
  entries: CalendarFileEntry[];
  errors: EntryError[];
}

/**
 * Parse an .ics file of many events and tasks (import). Components are grouped by UID (a master
 * with its overrides is one item); a broken item is reported with its position and the rest kept.
 * VJOURNAL/VFREEBUSY are ignored; VTIMEZONEs are not needed (TZIDs map to IANA zones).
 */
export function splitCalendarObjects(text: string, opts: CalendarParseOptions = {}): CalendarFileResult {
  const scanned = scanCalendars(unfold(text));
  const items: Array<{ line: number; components: RawComponent[] } | { line: number; error: FormatError }> = [];
  const byUid = new Map<string, { line: number; components: RawComponent[] }>();
  const failures = new Map(scanned.errors.map((e) => [e.line, e.error]));
  const objects = scanned.components.filter((c) => c.name === 'VEVENT' || c.name === 'VTODO');
  // Items in file order: object components and broken components interleaved by line.
  const events = [...objects.map((c) => ({ line: c.line, c })), ...scanned.errors.map((e) => ({ line: e.line, c: null }))]
    .sort((a, b) => a.line - b.line);
  for (const { line, c } of events) {
    if (!c) {
      items.push({ line, error: failures.get(line)! });
      continue;
    }
    const uid = c.props.find((p) => p.name === 'UID');
    const key = uid ? `${c.name}\n${uid.raw.slice(uid.raw.indexOf(':') + 1)}` : null;
    const existing = key ? byUid.get(key) : undefined;
    if (existing) {
      existing.components.push(c);
      continue;
    }
    const item = { line, components: [c] };
    if (key) byUid.set(key, item);
    items.push(item);
  }
  const result: CalendarFileResult = { entries: [], errors: [] };
  if (items.length === 0) {
    result.errors.push({ index: 1, line: 1, code: 'unsupported-component', message: 'no VEVENT or VTODO found in this file' });
  }
  items.forEach((item, i) => {
    const index = i + 1;
    if ('error' in item) {
      result.errors.push(toEntryError(index, item.line, item.error));
      return;
    }
    try {
      result.entries.push({ index, line: item.line, object: readObject(scanned.props, item.components, opts) });
    } catch (e) {
      result.errors.push(toEntryError(index, item.line, e));
    }
  });
  return result;
}
