// src/formats: vCard 3.0/4.0 and iCalendar ↔ CRM records. Pure functions, no I/O. See docs/mapping.md.
export { FormatError, type EntryError, type FormatErrorCode } from './errors.js';
export * from './vcard.js';
export {
  crmsyncUri, parseCalendarObject, parseCrmsyncUri, renderAppointment, renderTask, splitCalendarObjects,
  type AppointmentFields, type AppointmentRenderContext, type AttendeeResolver, type CalendarExtras, type CalendarFileEntry,
  type CalendarFileResult, type CalendarParseOptions, type CalendarUserType, type ParsedCalendarObject, type Party,
  type RawAttendee, type RawOrganizer, type TaskFields,
} from './icalendar.js';
export { expandOccurrences, seriesBounds, type ExpandOptions, type Expansion, type Occurrence, type Series } from './recurrence.js';
export { timingBounds } from './timing.js';
