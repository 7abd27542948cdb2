// What a device wrote into an event or task and the CRM's instants and series cannot say by
// themselves — an exception's own alarms (or none), a task's time zone — comes back as written,
// and changes made in the CRM are rendered from the CRM.
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/domain/records.js';
import { parseCalendarObject, renderAppointment, renderTask, type AttendeeResolver } from '../../src/formats/icalendar.js';
import { appointmentOf, taskOf } from './helpers.js';

const nobody: AttendeeResolver = { user: () => null, group: () => null, contact: () => null };
const doc = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');

/** The VEVENT blocks of a rendered object, unfolded, master first. */
const events = (text: string) => text.replace(/\r\n[ \t]/g, '').split('BEGIN:VEVENT').slice(1).map((b) => b.split('END:VEVENT')[0]!);

const alarm = (minutes: number) => ['BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Call', `TRIGGER:-PT${minutes}M`, 'END:VALARM'];
const series = (overrideAlarms: string[]) => doc(
  'BEGIN:VEVENT', 'UID:call-1', 'SUMMARY:Investor call', 'DTSTART;TZID=America/New_York:20270112T110000',
  'DTEND;TZID=America/New_York:20270112T120000', 'RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=12', ...alarm(10), 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:call-1', 'RECURRENCE-ID;TZID=America/New_York:20270309T110000', 'SUMMARY:Q1 review',
  'DTSTART;TZID=America/New_York:20270310T150000', 'DTEND;TZID=America/New_York:20270310T163000', ...overrideAlarms, 'END:VEVENT',
);

function appointment(text: string) {
  const p = parseCalendarObject(text);
  if (p.kind !== 'appointment') throw new Error('expected an appointment');
  return p;
}

describe('iCalendar: an exception keeps its own alarms', () => {
  it('an exception without VALARM has no reminder in the CRM and gets none when served back', () => {
    const p = appointment(series([]));
    expect(p.fields.reminders).toEqual([{ minutesBefore: 10 }]);
    expect(p.fields.overrides[0]).toMatchObject({ recurrenceId: '20270309T110000', reminders: [] });
    const text = renderAppointment(appointmentOf(p.fields, p.uid), { resolver: nobody, extras: p.extras });
    const [master, exception] = events(text);
    expect(master).toContain('TRIGGER:-PT10M');
    expect(exception).not.toContain('BEGIN:VALARM');
    expect(appointment(text).fields).toEqual(p.fields);
  });

  it("an exception with the series' alarm follows the series, also when the CRM changes the series' reminder", () => {
    const p = appointment(series(alarm(10)));
    expect(p.fields.overrides[0]!.reminders).toBeUndefined();
    const appt = appointmentOf(p.fields, p.uid);
    appt.reminders = [{ minutesBefore: 30 }];
    const [master, exception] = events(renderAppointment(appt, { resolver: nobody, extras: p.extras }));
    expect(master).toContain('TRIGGER:-PT30M');
    expect(exception).toContain('TRIGGER:-PT30M');
    expect(exception).not.toContain('TRIGGER:-PT10M');
  });

  it("an exception's own alarm comes back as the device wrote it; one changed in the CRM is rendered from the CRM", () => {
    const p = appointment(series(['BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Prepare the Q1 numbers', 'TRIGGER:-PT60M', 'X-WR-ALARMUID:A1', 'END:VALARM']));
    expect(p.fields.overrides[0]!.reminders).toEqual([{ minutesBefore: 60 }]);
    const same = events(renderAppointment(appointmentOf(p.fields, p.uid), { resolver: nobody, extras: p.extras }))[1]!;
    expect(same).toContain('DESCRIPTION:Prepare the Q1 numbers\r\nTRIGGER:-PT60M\r\nX-WR-ALARMUID:A1');
    expect(same).not.toContain('TRIGGER:-PT10M');
    const appt = appointmentOf(p.fields, p.uid);
    appt.overrides[0]!.reminders = [{ minutesBefore: 5 }];
    const changed = events(renderAppointment(appt, { resolver: nobody, extras: p.extras }))[1]!;
    expect(changed).toContain('TRIGGER:-PT5M');
    expect(changed).not.toMatch(/PT60M|X-WR-ALARMUID/);
  });
});

describe('iCalendar: a task keeps the time zone of its start and due', () => {
  const todo = doc(
    'BEGIN:VTIMEZONE', 'TZID:/freeassociation.sourceforge.net/Europe/Rome', 'X-LIC-LOCATION:Europe/Rome',
    'BEGIN:STANDARD', 'TZNAME:CET', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD',
    'BEGIN:DAYLIGHT', 'TZNAME:CEST', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'END:DAYLIGHT',
    'END:VTIMEZONE',
    'BEGIN:VTODO', 'UID:todo-1', 'SUMMARY:Exposé fertigstellen',
    'DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Rome:20261201T090000',
    'DUE;TZID=/freeassociation.sourceforge.net/Europe/Rome:20261204T170000', 'END:VTODO',
  );
  const parsed = () => {
    const p = parseCalendarObject(todo);
    if (p.kind !== 'task') throw new Error('expected a task');
    return p;
  };
  const render = (change: (t: Task) => void = () => undefined) => {
    const p = parsed();
    const task = taskOf(p.fields, p.uid);
    change(task);
    return renderTask(task, { extras: p.extras }).replace(/\r\n[ \t]/g, '').split('\r\n');
  };

  it('the CRM holds the instants; the device gets its wall-clock times in its zone, with that VTIMEZONE', () => {
    expect(parsed().fields).toMatchObject({ start: Date.UTC(2026, 11, 1, 8), due: Date.UTC(2026, 11, 4, 16) });
    const lines = render();
    expect(lines).toContain('DTSTART;TZID=Europe/Rome:20261201T090000');
    expect(lines).toContain('DUE;TZID=Europe/Rome:20261204T170000');
    expect(lines).toContain('TZID:Europe/Rome'); // the VTIMEZONE every TZID needs (RFC 5545 §3.2.19)
  });

  it('a due date changed in the CRM is the CRM\'s instant, still shown in the zone the device uses', () => {
    const lines = render((t) => {
      t.due = Date.UTC(2026, 11, 7, 9, 30);
    });
    expect(lines).toContain('DUE;TZID=Europe/Rome:20261207T103000');
    expect(lines).toContain('DTSTART;TZID=Europe/Rome:20261201T090000');
  });

  it('a task that came without a zone is written in UTC as before', () => {
    const p = parseCalendarObject(doc('BEGIN:VTODO', 'UID:todo-2', 'SUMMARY:x', 'DUE:20261204T160000Z', 'END:VTODO'));
    expect(p.extras.timeZones).toBeUndefined();
    const text = renderTask(taskOf(p.fields as never, p.uid), { extras: p.extras });
    expect(text).toContain('DUE:20261204T160000Z\r\n');
    expect(text).not.toContain('VTIMEZONE');
  });
});
