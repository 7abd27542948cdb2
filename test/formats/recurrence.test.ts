import { describe, expect, it } from 'vitest';
import type { Appointment, Timing } from '../../src/domain/records.js';
import { parseCalendarObject } from '../../src/formats/icalendar.js';
import { expandOccurrences, seriesBounds, type Series } from '../../src/formats/recurrence.js';
import { fixture } from './helpers.js';

const berlin = (y: number, mo: number, d: number, h: number, mi = 0): Timing =>
  ({ allDay: false, start: Date.UTC(y, mo - 1, d, h, mi), end: Date.UTC(y, mo - 1, d, h + 1, mi), timeZone: 'Europe/Berlin' });

const series = (timing: Timing, rrule: string | null, more: Partial<Appointment> = {}): Series =>
  ({ timing, recurrence: { rrule, rdates: [], exdates: [] }, overrides: [], ...more });

const YEAR = 365 * 86_400_000;

describe('expandOccurrences', () => {
  it('honours EXDATE, moved and cancelled overrides (iOS sample)', () => {
    const p = parseCalendarObject(fixture('ios-recurring.ics'));
    if (p.kind !== 'appointment') throw new Error('expected an appointment');
    const { occurrences, truncated } = expandOccurrences(p.fields, Date.UTC(2026, 0, 1), Date.UTC(2026, 5, 1));
    expect(truncated).toBe(false);
    expect(occurrences.map((o) => o.recurrenceId)).toEqual([
      '20260112T090000', '20260119T090000', /* 26th: EXDATE */ '20260202T090000', '20260209T090000',
      /* 16th: cancelled */ '20260223T090000', '20260302T090000', '20260309T090000', '20260316T090000', '20260323T090000',
      // 30th: 09:00 CEST is 07:00Z, after UNTIL=20260330T065959Z
    ]);
    const moved = occurrences.find((o) => o.recurrenceId === '20260202T090000')!;
    expect(moved.start).toBe(Date.UTC(2026, 1, 2, 10)); // 11:00 Berlin
    expect(moved.override?.title).toBe('Wochenbesprechung Vertrieb (verschoben)');
  });

  it('keeps wall-clock time across DST in the series zone', () => {
    const { occurrences } = expandOccurrences(series(berlin(2026, 3, 23, 8), 'FREQ=WEEKLY;COUNT=2'), 0, Date.UTC(2027, 0, 1));
    expect(occurrences.map((o) => o.start)).toEqual([Date.UTC(2026, 2, 23, 8), Date.UTC(2026, 2, 30, 7)]); // 09:00 CET, 09:00 CEST
  });

  it('"every 3rd Monday" (FREQ=MONTHLY;BYDAY=3MO)', () => {
    const { occurrences } = expandOccurrences(series(berlin(2026, 1, 19, 9), 'FREQ=MONTHLY;BYDAY=3MO'), 0, Date.UTC(2026, 5, 30));
    expect(occurrences.map((o) => o.recurrenceId)).toEqual([
      '20260119T100000', '20260216T100000', '20260316T100000', '20260420T100000', '20260518T100000', '20260615T100000',
    ]);
  });

  it('a moved occurrence appears at its new time even when its original time is outside the range', () => {
    const s = series(berlin(2026, 1, 5, 9), 'FREQ=WEEKLY', {
      overrides: [{ recurrenceId: '20260112T100000', cancelled: false, timing: berlin(2026, 3, 1, 9) }],
    });
    const { occurrences } = expandOccurrences(s, Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 2));
    expect(occurrences.map((o) => [o.recurrenceId, o.start])).toEqual([['20260112T100000', Date.UTC(2026, 2, 1, 9)]]);
  });

  it('all-day series: bounds are UTC midnights of the dates (R3)', () => {
    const s = series({ allDay: true, startDate: '2026-02-06', endDate: '2026-02-07' }, 'FREQ=YEARLY');
    const { occurrences } = expandOccurrences(s, Date.UTC(2027, 0, 1), Date.UTC(2028, 0, 1));
    expect(occurrences).toEqual([{
      recurrenceId: '20270206', start: Date.UTC(2027, 1, 6), end: Date.UTC(2027, 1, 7), override: null,
      timing: { allDay: true, startDate: '2027-02-06', endDate: '2027-02-07' },
    }]);
  });

  it('FREQ=SECONDLY with no end over a thousand years is cut off, quickly, and says so', () => {
    const s = series(berlin(2026, 1, 1, 0), 'FREQ=SECONDLY');
    const t0 = Date.now();
    const r = expandOccurrences(s, Date.UTC(2026, 0, 1), Date.UTC(3026, 0, 1), { maxInstances: 100_000_000 });
    expect(r.truncated).toBe(true);
    expect(r.occurrences.length).toBeLessThanOrEqual(2_000);
    expect(Date.now() - t0).toBeLessThan(3_000);
    // A range far from DTSTART: the iteration budget, not the instance count, stops it.
    const far = expandOccurrences(s, Date.UTC(2100, 0, 1), Date.UTC(2100, 0, 2));
    expect(far).toEqual({ occurrences: [], truncated: true });
  });
});

describe('seriesBounds (S2 window)', () => {
  it('single appointment: its own span', () => {
    expect(seriesBounds({ timing: berlin(2026, 5, 4, 9), recurrence: null, overrides: [] }))
      .toEqual({ firstStart: Date.UTC(2026, 4, 4, 9), lastEnd: Date.UTC(2026, 4, 4, 10) });
  });

  it('endless rule: lastEnd null; COUNT: end of the last instance; moved occurrence extends the series', () => {
    expect(seriesBounds(series(berlin(2026, 1, 5, 9), 'FREQ=WEEKLY')).lastEnd).toBeNull();
    expect(seriesBounds(series(berlin(2026, 1, 5, 9), 'FREQ=WEEKLY;COUNT=3')).lastEnd).toBe(Date.UTC(2026, 0, 19, 10));
    const moved = series(berlin(2026, 1, 5, 9), 'FREQ=WEEKLY;COUNT=3', {
      overrides: [{ recurrenceId: '20260119T100000', cancelled: false, timing: berlin(2026, 2, 20, 9) }],
    });
    expect(seriesBounds(moved).lastEnd).toBe(Date.UTC(2026, 1, 20, 10));
  });

  it('a thousand-year range of a monthly rule stays within the iteration budget', () => {
    const t0 = Date.now();
    const r = expandOccurrences(series(berlin(2026, 1, 19, 9), 'FREQ=MONTHLY;BYDAY=3MO'), 0, Date.UTC(3026, 0, 1), { maxIterations: 1_000 });
    expect(r.truncated).toBe(true);
    expect(r.occurrences).toHaveLength(1_000);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('huge COUNT is treated as unbounded; huge UNTIL is bounded by UNTIL', () => {
    expect(seriesBounds(series(berlin(2026, 1, 1, 0), 'FREQ=SECONDLY;COUNT=100000000')).lastEnd).toBeNull();
    const until = seriesBounds(series(berlin(2026, 1, 1, 0), 'FREQ=SECONDLY;UNTIL=20270101T000000Z')).lastEnd!;
    expect(until).toBeGreaterThanOrEqual(Date.UTC(2027, 0, 1));
    expect(until).toBeLessThan(Date.UTC(2027, 0, 1) + YEAR / 365);
  });

  it('all-day UNTIL series: UTC midnights', () => {
    const s = series({ allDay: true, startDate: '2026-03-02', endDate: '2026-03-03' }, 'FREQ=WEEKLY;UNTIL=20260316');
    expect(seriesBounds(s)).toEqual({ firstStart: Date.UTC(2026, 2, 2), lastEnd: Date.UTC(2026, 2, 17) });
  });
});
