import { describe, expect, it } from 'vitest';
import type { Appointment } from '../../src/domain/records.js';
import { FormatError } from '../../src/formats/errors.js';
import {
  parseCalendarObject, parseCrmsyncUri, renderAppointment, renderTask, splitCalendarObjects, type AttendeeResolver,
} from '../../src/formats/icalendar.js';
import { appointmentOf, expectWellFolded, fixture, taskOf } from './helpers.js';

const nobody: AttendeeResolver = { user: () => null, group: () => null, contact: () => null };
const unfolded = (text: string) => text.replace(/\r\n[ \t]/g, '').split('\r\n');

function event(name: string) {
  const p = parseCalendarObject(fixture(name));
  if (p.kind !== 'appointment') throw new Error('expected an appointment');
  return p;
}

function roundTrip(name: string) {
  const first = event(name);
  const text = renderAppointment(appointmentOf(first.fields, first.uid), { resolver: nobody, extras: first.extras });
  const second = parseCalendarObject(text);
  return { first, second, text };
}

describe('iCalendar: events from real clients', () => {
  it('iOS recurring event: moved and cancelled occurrences, DISPLAY alarm → reminder, other alarm kept', () => {
    const { fields, extras } = event('ios-recurring.ics');
    expect(fields.timing).toEqual({
      allDay: false, timeZone: 'Europe/Berlin', start: Date.UTC(2026, 0, 12, 8), end: Date.UTC(2026, 0, 12, 9),
    });
    expect(fields.recurrence).toEqual({
      rrule: 'FREQ=WEEKLY;BYDAY=MO;UNTIL=20260330T065959Z', rdates: [],
      exdates: ['20260126T090000', '20260216T090000'], // the STATUS:CANCELLED override became an EXDATE
    });
    expect(fields.overrides).toEqual([{
      recurrenceId: '20260202T090000', cancelled: false, title: 'Wochenbesprechung Vertrieb (verschoben)',
      timing: { allDay: false, timeZone: 'Europe/Berlin', start: Date.UTC(2026, 1, 2, 10), end: Date.UTC(2026, 1, 2, 11) },
    }]);
    expect(fields.reminders).toEqual([{ minutesBefore: 15 }]);
    expect(extras.component).toContain('X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC');
    expect(extras.component).toContain('ACTION:AUDIO');
  });

  it('iOS event round trip keeps X- properties and the unmapped alarm byte for byte', () => {
    const { first, second, text } = roundTrip('ios-recurring.ics');
    expect(second).toEqual(first);
    const lines = unfolded(text);
    expect(lines).toContain('X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS="Friedrichstraße 123, 10117 Berlin";X-APPLE-RADIUS=70;X-TITLE="Büro Friedrichstraße":geo:52.507,13.390');
    expect(lines).toContain('TRIGGER;VALUE=DATE-TIME:20260112T074500Z');
    expect(lines).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260202T090000');
    expect(lines).toContain('EXDATE;TZID=Europe/Berlin:20260216T090000');
    expect(lines.filter((l) => l === 'BEGIN:VTIMEZONE')).toHaveLength(1);
    expect(lines).toContain('PRODID:-//crmsync//crmsync//EN');
    expect(expectWellFolded(text)).toBe(true);
  });

  it('Outlook (CalDav Synchronizer): Windows zone, every 3rd Monday, private, raw attendees and organizer', () => {
    const p = event('outlook-caldavsynchronizer.ics');
    expect(p.fields.timing).toMatchObject({ timeZone: 'Europe/Berlin', start: Date.UTC(2026, 0, 19, 9) });
    expect(p.fields.recurrence?.rrule).toBe('FREQ=MONTHLY;BYDAY=3MO');
    expect(p.fields.private).toBe(true);
    expect(p.fields.reminders).toEqual([{ minutesBefore: 60 }]);
    expect(p.organizer).toEqual({ email: 'anna.mueller@mueller-partner.de', uri: 'mailto:anna.mueller@mueller-partner.de', name: 'Müller, Anna' });
    expect(p.attendees).toEqual([
      { email: 'k.weber@example.de', uri: 'mailto:k.weber@example.de', name: 'Weber, Klaus', role: 'required', cutype: 'individual', partstat: 'accepted' },
      { email: 'raum2@example.de', uri: 'mailto:raum2@example.de', name: 'Besprechungsraum 2', role: 'optional', cutype: 'resource', partstat: 'needs-action' },
      { email: 'lena.fischer@example.de', uri: 'mailto:lena.fischer@example.de', name: 'Lena Fischer', role: 'optional', cutype: 'individual', partstat: 'tentative' },
    ]);
    expect(p.extras.component).toEqual(expect.arrayContaining(['X-MICROSOFT-CDO-BUSYSTATUS:BUSY', 'PRIORITY:5']));
  });

  it.each(['ios-recurring.ics', 'outlook-caldavsynchronizer.ics', 'thunderbird-allday-auckland.ics'])(
    'round trip %s: parse → render → parse is equal and rendering is deterministic',
    (name) => {
      const { first, second, text } = roundTrip(name);
      expect(second).toMatchObject({ fields: first.fields, extras: first.extras, uid: first.uid });
      const again = renderAppointment(appointmentOf(first.fields, first.uid), { resolver: nobody, extras: first.extras });
      expect(again).toBe(text);
    },
  );
});

describe('iCalendar: all-day events keep their date (R3)', () => {
  it('Thunderbird all-day event in Pacific/Auckland is a VALUE=DATE span, no zone involved', () => {
    const { fields, text } = { ...roundTrip('thunderbird-allday-auckland.ics'), fields: event('thunderbird-allday-auckland.ics').fields };
    expect(fields.timing).toEqual({ allDay: true, startDate: '2026-02-06', endDate: '2026-02-07' });
    expect(unfolded(text)).toEqual(expect.arrayContaining(['DTSTART;VALUE=DATE:20260206', 'DTEND;VALUE=DATE:20260207']));
    expect(text).not.toContain('TZID');
  });

  it('an all-day event from Los Angeles (X-WR-TIMEZONE) stays on July 4th', () => {
    const { entries } = splitCalendarObjects(fixture('google-export.ics'));
    const july4 = entries[0]!.object;
    expect(july4.kind === 'appointment' && july4.fields.timing).toEqual({ allDay: true, startDate: '2026-07-04', endDate: '2026-07-05' });
  });

  it('an all-day recurring series keeps date EXDATEs and date RECURRENCE-IDs', () => {
    const appt = appointmentOf({
      title: 'Jour fixe', note: '', location: '', status: 'confirmed', private: false, reminders: [],
      timing: { allDay: true, startDate: '2026-03-02', endDate: '2026-03-03' },
      recurrence: { rrule: 'FREQ=WEEKLY;COUNT=4', rdates: [], exdates: ['20260309'] },
      overrides: [{ recurrenceId: '20260316', cancelled: false, timing: { allDay: true, startDate: '2026-03-17', endDate: '2026-03-18' } }],
    });
    const text = renderAppointment(appt, { resolver: nobody });
    expect(unfolded(text)).toEqual(expect.arrayContaining(['EXDATE;VALUE=DATE:20260309', 'RECURRENCE-ID;VALUE=DATE:20260316']));
    const p = parseCalendarObject(text);
    expect(p.kind === 'appointment' && p.fields).toMatchObject({ recurrence: appt.recurrence, overrides: appt.overrides });
  });
});

describe('iCalendar: rendering for CalDAV', () => {
  const base = (extra: Partial<Appointment> = {}) => appointmentOf({
    title: 'Besichtigung', note: 'Schlüssel beim Hausmeister', location: 'Via Roma 1, Como', status: 'tentative', private: true,
    timing: { allDay: false, start: Date.UTC(2026, 4, 4, 7), end: Date.UTC(2026, 4, 4, 8), timeZone: 'Europe/Rome' },
    recurrence: null, overrides: [], reminders: [{ minutesBefore: 30 }, { minutesBefore: 1440 }],
  }, 'evt-77', extra);

  const resolver: AttendeeResolver = {
    user: (id) => (id === 'u1' ? { name: 'Rossi, Marco', email: 'marco@rossi.example' } : null),
    group: (id) => ({ name: `Team ${id}`, email: null }),
    contact: () => ({ name: 'Giulia Bianchi', email: 'giulia@example.it' }),
  };

  it('writes ATTENDEE/ORGANIZER with SCHEDULE-AGENT=CLIENT (G2), optional attendees and resources (G3)', () => {
    const text = renderAppointment(base({
      organizerUserId: 'u1',
      attendees: [
        { kind: 'user', userId: 'u1', role: 'required', status: 'accepted' },
        { kind: 'user', userId: 'unknown', role: 'required', status: 'accepted' },
        { kind: 'contact', contactId: 'c9', role: 'optional', status: 'needs-action' },
        { kind: 'group', groupId: 'g1', role: 'optional' },
        { kind: 'resource', name: 'Beamer', email: null },
      ],
    }), { resolver });
    const lines = unfolded(text);
    expect(lines).toContain('ORGANIZER;CN="Rossi, Marco";SCHEDULE-AGENT=CLIENT:mailto:marco@rossi.example');
    expect(lines).toContain('ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN="Rossi, Marco";SCHEDULE-AGENT=CLIENT:mailto:marco@rossi.example');
    expect(lines).toContain('ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN=Giulia Bianchi;SCHEDULE-AGENT=CLIENT:mailto:giulia@example.it');
    expect(lines).toContain('ATTENDEE;CUTYPE=GROUP;ROLE=OPT-PARTICIPANT;CN=Team g1;SCHEDULE-AGENT=CLIENT:urn:x-crmsync:group:g1');
    expect(lines).toContain('ATTENDEE;CUTYPE=RESOURCE;CN=Beamer;SCHEDULE-AGENT=CLIENT:urn:x-crmsync:resource:Beamer');
    expect(lines.filter((l) => l.startsWith('ATTENDEE'))).toHaveLength(4); // the unresolvable user is left out
    const p = parseCalendarObject(text);
    const group = p.kind === 'appointment' ? p.attendees.find((a) => a.cutype === 'group') : undefined;
    expect(parseCrmsyncUri(group!.uri)).toEqual({ kind: 'group', id: 'g1' });
  });

  it('writes CLASS:PRIVATE (S4), STATUS, a VTIMEZONE for the zone, VALARMs and DTSTAMP from updatedAt', () => {
    const appt = base();
    const lines = unfolded(renderAppointment(appt, { resolver }));
    expect(lines).toEqual(expect.arrayContaining([
      'CLASS:PRIVATE', 'STATUS:TENTATIVE', 'TZID:Europe/Rome', 'DTSTART;TZID=Europe/Rome:20260504T090000',
      'DTSTAMP:20260102T093000Z', 'TRIGGER:-PT30M', 'TRIGGER:-P1D', 'DESCRIPTION:Schlüssel beim Hausmeister',
    ]));
    const p = parseCalendarObject(renderAppointment(appt, { resolver }));
    expect(p.kind === 'appointment' && p.fields).toMatchObject({ private: true, status: 'tentative', reminders: appt.reminders });
  });

  it('writes a cancelled override as an EXDATE, not as a component', () => {
    const appt = base({
      recurrence: { rrule: 'FREQ=DAILY;COUNT=3', rdates: ['20260510T090000'], exdates: [] },
      overrides: [{ recurrenceId: '20260505T090000', cancelled: true }],
    });
    const lines = unfolded(renderAppointment(appt, { resolver }));
    expect(lines).toContain('EXDATE;TZID=Europe/Rome:20260505T090000');
    expect(lines).toContain('RDATE;TZID=Europe/Rome:20260510T090000');
    expect(lines.filter((l) => l.startsWith('RECURRENCE-ID'))).toHaveLength(0);
  });
});

describe('iCalendar: tasks', () => {
  it('Evolution VTODO: due, priority, percent, status; vendor TZID prefix; round trip', () => {
    const p = parseCalendarObject(fixture('evolution-todo.ics'));
    expect(p.kind).toBe('task');
    if (p.kind !== 'task') return;
    expect(p.fields).toEqual({
      title: 'Exposé Villa Comer See fertigstellen', note: 'Fotos vom Fotografen einbauen, Grundriss prüfen.',
      start: Date.UTC(2026, 0, 20, 8), due: Date.UTC(2026, 0, 23, 16), priority: 1, status: 'in-process',
      percentComplete: 40, completedAt: null,
    });
    const text = renderTask(taskOf(p.fields, p.uid), { extras: p.extras });
    expect(unfolded(text)).toEqual(expect.arrayContaining(['PRIORITY:1', 'PERCENT-COMPLETE:40', 'STATUS:IN-PROCESS', 'DUE;TZID=Europe/Rome:20260123T170000']));
    expect(unfolded(text)).toContain('X-EVOLUTION-CALDAV-HREF:/dav/calendars/marco/tasks/20260114T093000Z-4321.ics');
    expect(parseCalendarObject(text)).toEqual(p);
  });

  it('Apple Reminders date-only due stays a date (Task.dateOnly)', () => {
    const p = parseCalendarObject(fixture('ios-reminder.ics'));
    if (p.kind !== 'task') throw new Error('expected a task');
    expect(p.fields).toMatchObject({ due: Date.UTC(2026, 0, 10), dateOnly: true, status: 'completed', percentComplete: 100 });
    const text = renderTask(taskOf(p.fields, p.uid), { extras: p.extras });
    expect(unfolded(text)).toContain('DUE;VALUE=DATE:20260110');
    expect(parseCalendarObject(text)).toEqual(p);
  });
});

describe('iCalendar: malformed input and files', () => {
  it.each([
    ['not iCalendar', 'BEGIN:VCARD\r\nEND:VCARD\r\n', /must start with BEGIN:VCALENDAR/],
    ['unclosed', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n', /BEGIN:VEVENT is never closed/],
    ['no DTSTART', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', /VEVENT without DTSTART/],
    ['bad RRULE', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260101T100000Z\r\nRRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', /line 6: invalid RRULE/],
    ['unknown TZID', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Mars/Olympus:20260101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', /unknown time zone "Mars\/Olympus"/],
    ['two UIDs', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', /several UIDs/],
  ])('%s → FormatError with a clear message', (_, text, message) => {
    expect(() => parseCalendarObject(text)).toThrow(FormatError);
    expect(() => parseCalendarObject(text)).toThrow(message);
  });

  it('an .ics file with broken items keeps the good ones and reports each broken one with its position', () => {
    const { entries, errors } = splitCalendarObjects(fixture('google-export.ics'));
    expect(entries.map((e) => [e.index, e.line, e.object.uid])).toEqual([
      [1, 8, 'independence-2026@example.com'], [2, 15, 'standup@example.com'], [4, 38, 'todo-1@example.com'],
    ]);
    const standup = entries[1]!.object;
    expect(standup.kind === 'appointment' && standup.fields.overrides).toHaveLength(1); // override grouped by UID
    const todo = entries[2]!.object;
    expect(todo.kind === 'task' && todo.fields.due).toBe(Date.UTC(2026, 2, 15, 23)); // floating 16:00 in X-WR-TIMEZONE LA
    expect(errors).toEqual([
      { index: 3, line: 23, code: 'malformed', message: expect.stringMatching(/^line 24: DTSTART/) },
      { index: 5, line: 44, code: 'malformed', message: 'line 50: END:VEVENT does not close BEGIN:VALARM (line 48)' },
    ]);
  });
});

describe('alarms the CRM maps to reminders', () => {
  it('are served back unchanged while the reminder is unchanged (issue 3 item 5)', () => {
    const text = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN', 'BEGIN:VEVENT',
      'UID:alarm-keep-1', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260310T090000Z', 'DTEND:20260310T100000Z', 'SUMMARY:Viewing',
      'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER;VALUE=DURATION:-PT15M', 'DESCRIPTION:Default Mozilla Description',
      'X-WR-ALARMUID:7B1B2A7E-1111-4E4E-9E9E-ABCDEF012345', 'UID:7B1B2A7E-1111-4E4E-9E9E-ABCDEF012345', 'END:VALARM',
      'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    const parsed = parseCalendarObject(text);
    if (parsed.kind !== 'appointment') throw new Error('expected an appointment');
    expect(parsed.fields.reminders).toEqual([{ minutesBefore: 15 }]);
    const appt = { ...parsed.fields, id: 'a1', externalId: null, uid: parsed.uid, organizerUserId: null, attendees: [], linkedContactIds: [], createdAt: 0, updatedAt: 0, version: 1 };
    const kept = renderAppointment(appt, { resolver: { user: () => null, group: () => null, contact: () => null }, extras: parsed.extras });
    expect(kept).toContain('X-WR-ALARMUID:7B1B2A7E-1111-4E4E-9E9E-ABCDEF012345');
    expect(kept).toContain('DESCRIPTION:Default Mozilla Description');
    expect(kept.match(/BEGIN:VALARM/g)).toHaveLength(1);
    // The CRM moved the reminder: the alarm is written anew, and the old one is not left behind.
    const moved = renderAppointment({ ...appt, reminders: [{ minutesBefore: 30 }] }, { resolver: { user: () => null, group: () => null, contact: () => null }, extras: parsed.extras });
    expect(moved).not.toContain('X-WR-ALARMUID');
    expect(moved).toContain('TRIGGER:-PT30M');
    expect(moved.match(/BEGIN:VALARM/g)).toHaveLength(1);
  });
});
