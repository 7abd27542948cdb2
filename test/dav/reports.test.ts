// REPORTs (calendar-query with recurrences, expand, free-busy, multiget, addressbook-query) and
// hostile input (issue 3 items 4 and 7).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createContact } from '../../src/crm/contacts.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { hrefsIn, startDav, vevent, type DavTestServer } from './helpers.js';

const DIALECTS = await dialects();
const CALENDAR = '/dav/calendars/alice/calendar/';
const CONTACTS = '/dav/addressbooks/alice/contacts/';
const CAL = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"';
const query = (start: string, end: string, data = '<c:calendar-data/>') =>
  `<c:calendar-query ${CAL}><d:prop><d:getetag/>${data}</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;

// Weekly on Mondays 09:00 Berlin from 2026-11-30; the 2026-12-07 occurrence moved to Tuesday,
// the 2026-12-14 one cancelled.
const SERIES = vevent('weekly', [
  'DTSTART;TZID=Europe/Berlin:20261130T090000', 'DTEND;TZID=Europe/Berlin:20261130T100000', 'RRULE:FREQ=WEEKLY;COUNT=6', 'SUMMARY:Jour fixe',
  'EXDATE;TZID=Europe/Berlin:20261214T090000',
], ['BEGIN:VEVENT', 'UID:weekly', 'DTSTAMP:20261101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20261207T090000',
  'DTSTART;TZID=Europe/Berlin:20261208T150000', 'DTEND;TZID=Europe/Berlin:20261208T160000', 'SUMMARY:Jour fixe (moved)', 'END:VEVENT']);

describe.each(DIALECTS)('DAV reports on %s', (dialect) => {
  let s: DavTestServer;
  beforeEach(async () => {
    s = await startDav(dialect);
    const r = await s.request('PUT', `${CALENDAR}weekly.ics`, { body: SERIES, headers: { 'content-type': 'text/calendar' } });
    expect(r.status).toBe(201);
  });
  afterEach(async () => s.close());

  it('time-range honours moved and cancelled occurrences', async () => {
    const monday7 = await s.request('REPORT', CALENDAR, { headers: { depth: '1' }, body: query('20261207T000000Z', '20261208T000000Z') });
    expect(hrefsIn(monday7.body)).toEqual([]);
    const tuesday8 = await s.request('REPORT', CALENDAR, { headers: { depth: '1' }, body: query('20261208T000000Z', '20261209T000000Z') });
    expect(hrefsIn(tuesday8.body)).toEqual([`${CALENDAR}weekly.ics`]);
    const cancelled = await s.request('REPORT', CALENDAR, { headers: { depth: '1' }, body: query('20261214T000000Z', '20261215T000000Z') });
    expect(hrefsIn(cancelled.body)).toEqual([]);
    const later = await s.request('REPORT', CALENDAR, { headers: { depth: '1' }, body: query('20261221T000000Z', '20261222T000000Z') });
    expect(hrefsIn(later.body)).toEqual([`${CALENDAR}weekly.ics`]);
  });

  it('repeated time-range queries (kept records and occurrence lists) follow a changed series', async () => {
    const later = () => s.request('REPORT', CALENDAR, { headers: { depth: '1' }, body: query('20261221T000000Z', '20261222T000000Z') });
    expect(hrefsIn((await later()).body)).toEqual([`${CALENDAR}weekly.ics`]);
    expect(hrefsIn((await later()).body)).toEqual([`${CALENDAR}weekly.ics`]);
    const etag = String((await s.request('GET', `${CALENDAR}weekly.ics`)).headers.etag);
    const shortened = SERIES.replace('COUNT=6', 'COUNT=3');
    expect((await s.request('PUT', `${CALENDAR}weekly.ics`, { body: shortened, headers: { 'content-type': 'text/calendar', 'if-match': etag } })).status).toBeLessThan(300);
    expect(hrefsIn((await later()).body)).toEqual([]);
    const tuesday8 = await s.request('REPORT', CALENDAR, { headers: { depth: '1' }, body: query('20261208T000000Z', '20261209T000000Z') });
    expect(hrefsIn(tuesday8.body)).toEqual([`${CALENDAR}weekly.ics`]);
  });

  it('expand returns each occurrence in UTC with its RECURRENCE-ID, without RRULE', async () => {
    const r = await s.request('REPORT', CALENDAR, {
      headers: { depth: '1' },
      body: query('20261130T000000Z', '20261222T000000Z', '<c:calendar-data><c:expand start="20261130T000000Z" end="20261222T000000Z"/></c:calendar-data>'),
    });
    const data = r.body.replace(/&#13;/g, '');
    expect(data).not.toContain('RRULE');
    expect(data).toContain('DTSTART:20261130T080000Z');
    expect(data).toContain('DTSTART:20261208T140000Z');
    expect(data).toContain('RECURRENCE-ID:20261207T080000Z');
    expect(data).not.toContain('DTSTART:20261214T080000Z');
    expect(data.match(/BEGIN:VEVENT/g)).toHaveLength(3);
  });

  it('free-busy-query lists the busy periods', async () => {
    const r = await s.request('REPORT', CALENDAR, { headers: { depth: '1' }, body: `<c:free-busy-query ${CAL}><c:time-range start="20261130T000000Z" end="20261210T000000Z"/></c:free-busy-query>` });
    expect(r.status).toBe(200);
    expect(r.body).toContain('FREEBUSY;FBTYPE=BUSY:20261130T080000Z/20261130T090000Z');
    expect(r.body).toContain('20261208T140000Z/20261208T150000Z');
  });

  it('calendar-multiget returns found items and 404 for the rest', async () => {
    const r = await s.request('REPORT', CALENDAR, { body: `<c:calendar-multiget ${CAL}><d:prop><d:getetag/><c:calendar-data/></d:prop><d:href>${CALENDAR}weekly.ics</d:href><d:href>${CALENDAR}missing.ics</d:href></c:calendar-multiget>` });
    expect(r.status).toBe(207);
    expect(r.body).toContain('SUMMARY:Jour fixe');
    expect(r.body).toContain(`<d:href>${CALENDAR}missing.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status>`);
  });

  it('addressbook-query filters with i;unicode-casemap and limits with 507', async () => {
    for (const n of ['Jürgen', 'JÜRGEN', 'Karl']) await createContact(s.t.ctx, { givenName: n, familyName: 'Test' }, SYSTEM, [s.alice.id]);
    const body = (limit = '') => `<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data version="4.0"/></d:prop><card:filter><card:prop-filter name="FN"><card:text-match collation="i;unicode-casemap" match-type="starts-with">jürgen</card:text-match></card:prop-filter></card:filter>${limit}</card:addressbook-query>`;
    const r = await s.request('REPORT', CONTACTS, { headers: { depth: '1' }, body: body() });
    expect(hrefsIn(r.body)).toHaveLength(2);
    expect(r.body).toContain('VERSION:4.0');
    const limited = await s.request('REPORT', CONTACTS, { headers: { depth: '1' }, body: body('<card:limit><card:nresults>1</card:nresults></card:limit>') });
    expect(limited.body).toContain('507');
  });

  it('hostile input: DOCTYPE 400, 11 MB body 413, bad paths 400, runaway expand bounded and fast', async () => {
    const doctype = await s.request('PROPFIND', CALENDAR, { headers: { depth: '0' }, body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>' });
    expect(doctype.status).toBe(400);
    const huge = await s.request('PUT', `${CALENDAR}huge.ics`, { body: Buffer.alloc(11 * 1024 * 1024, 65), headers: { 'content-type': 'text/calendar' } });
    expect(huge.status).toBe(413);
    for (const url of ['/dav/calendars/alice/../bob/', '/dav/calendars/alice/calendar%2Fx/', '/dav/calendars/alice/%E0%A4%A/']) {
      const r = await s.request('PROPFIND', url, { headers: { depth: '0' }, body: '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>' });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    const secondly = vevent('runaway', ['DTSTART:20260101T000000Z', 'DTEND:20260101T000001Z', 'RRULE:FREQ=SECONDLY', 'SUMMARY:Runaway']);
    expect((await s.request('PUT', `${CALENDAR}runaway.ics`, { body: secondly, headers: { 'content-type': 'text/calendar' } })).status).toBe(201);
    const started = Date.now();
    const r = await s.request('REPORT', CALENDAR, {
      headers: { depth: '1' },
      body: query('20260101T000000Z', '30260101T000000Z', '<c:calendar-data><c:expand start="20260101T000000Z" end="30260101T000000Z"/></c:calendar-data>'),
    });
    expect(r.status).toBeLessThan(500);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((r.body.match(/BEGIN:VEVENT/g) ?? []).length).toBeLessThanOrEqual(2_000);
  });
});
