// PUT/GET/DELETE, ETags, preconditions and the SPEC write rules over DAV (issue 3 items 4–6).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { contacts, createContact, tickedUserIds } from '../../src/crm/contacts.js';
import { appointments } from '../../src/crm/appointments.js';
import { tasks } from '../../src/crm/tasks.js';
import { createGroup, setGroupMember } from '../../src/crm/groups.js';
import { listJournal } from '../../src/crm/journal.js';
import { updateUser } from '../../src/crm/users.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { hrefsIn, startDav, vcard, vevent, type DavTestServer } from './helpers.js';

const DIALECTS = await dialects();
const CONTACTS = '/dav/addressbooks/alice/contacts/';
const CALENDAR = '/dav/calendars/alice/calendar/';
const TASKS = '/dav/calendars/alice/tasks/';
const syncBody = (token: string, limit?: number) =>
  `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level>${limit ? `<d:limit><d:nresults>${limit}</d:nresults></d:limit>` : ''}<d:prop><d:getetag/></d:prop></d:sync-collection>`;
const tokenOf = (xml: string) => /<d:sync-token>([^<]+)<\/d:sync-token>/.exec(xml)![1]!;

describe.each(DIALECTS)('DAV items on %s', (dialect) => {
  let s: DavTestServer;
  beforeEach(async () => { s = await startDav(dialect); });
  afterEach(async () => s.close());

  const put = (url: string, body: string, headers: Record<string, string> = {}) =>
    s.request('PUT', url, { body, headers: { 'content-type': 'text/plain', ...headers } });

  it('I1: a new contact with a customer category is accepted (ticked, category customer); others get 403 with the reason', async () => {
    const ok = await put(`${CONTACTS}new-1.vcf`, vcard('dev-uid-1', 'Carla Conti', ['CATEGORIES:Kunde,vip', 'X-CUSTOM;TYPE=a:kept', 'EMAIL;TYPE=WORK:carla@example.com']));
    expect(ok.status).toBe(201);
    const created = (await contacts.findBy(s.t.ctx, { uid: 'dev-uid-1' }))!;
    expect(created.category).toBe('customer');
    expect(created.tags).toEqual(['vip']);
    expect(await tickedUserIds(s.t.ctx, created.id)).toEqual([s.alice.id]);
    const journal = await listJournal(s.t.ctx, { recordId: created.id, limit: 10 });
    expect(journal.some((j) => j.author.kind === 'device' && j.author.label === 'alice_device=iPhone')).toBe(true);

    const got = await s.request('GET', `${CONTACTS}new-1.vcf`);
    expect(got.status).toBe(200);
    expect(got.body).toContain('X-CUSTOM;TYPE=a:kept'); // extras round trip
    expect(got.body).toContain('VERSION:3.0');
    expect(got.headers.etag).toMatch(/^"[^"]+"$/);
    const v4 = await s.request('GET', `${CONTACTS}new-1.vcf`, { headers: { accept: 'text/vcard; version=4.0' } });
    expect(v4.body).toContain('VERSION:4.0');
    expect(v4.headers.etag).not.toBe(got.headers.etag);
    expect((await s.request('GET', `${CONTACTS}new-1.vcf`)).headers.etag).toBe(got.headers.etag); // stable

    const refused = await put(`${CONTACTS}new-2.vcf`, vcard('dev-uid-2', 'Dora Dietz'));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('SPEC I1');
  });

  it('If-Match / If-None-Match give 412; an edit lands field by field and keeps CRM-only fields (X5 journal)', async () => {
    const c = await createContact(s.t.ctx, { givenName: 'Eva', familyName: 'Engel', externalId: 'crm-42' }, SYSTEM, [s.alice.id]);
    const url = `${CONTACTS}${c.id}.vcf`;
    const got = await s.request('GET', url);
    expect(got.status).toBe(200);
    expect((await put(url, vcard(c.uid, 'Eva Engel'), { 'if-none-match': '*' })).status).toBe(412);
    expect((await put(url, vcard(c.uid, 'Eva Engel'), { 'if-match': '"nope"' })).status).toBe(412);
    const edited = got.body.replace('END:VCARD', 'TITLE:Broker\r\nEND:VCARD');
    expect((await put(url, edited, { 'if-match': String(got.headers.etag) })).status).toBe(204);
    const after = await contacts.get(s.t.ctx, c.id);
    expect(after.jobTitle).toBe('Broker');
    expect(after.externalId).toBe('crm-42');
    expect((await s.request('GET', url)).headers.etag).not.toBe(got.headers.etag);
    expect((await put(`${CONTACTS}other.vcf`, vcard('x', 'X Y'), { 'if-match': '"a"' })).status).toBe(412);
  });

  it('preconditions: valid-address-data, valid-calendar-data, supported-calendar-component, no-uid-conflict', async () => {
    const bad = await put(`${CONTACTS}bad.vcf`, 'BEGIN:VCARD\r\nVERSION:2.1\r\nEND:VCARD\r\n');
    expect(bad.status).toBe(403);
    expect(bad.body).toContain('valid-address-data');
    const badCal = await put(`${CALENDAR}bad.ics`, 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n');
    expect(badCal.status).toBe(403);
    expect(badCal.body).toContain('valid-calendar-data');
    const todo = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VTODO', 'UID:t1', 'SUMMARY:x', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
    const wrong = await put(`${CALENDAR}todo.ics`, todo);
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('supported-calendar-component');
    const ev = vevent('uid-conflict', ['DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:A']);
    expect((await put(`${CALENDAR}a.ics`, ev)).status).toBe(201);
    const dup = await put(`${CALENDAR}b.ics`, ev);
    expect(dup.status).toBe(403);
    expect(dup.body).toContain('no-uid-conflict');
    expect(dup.body).toContain(`${CALENDAR}a.ics`);
  });

  it('I2/I3: new appointments have the user as attendee, new tasks the user responsible; I2 can require a contact', async () => {
    expect((await put(`${CALENDAR}ev.ics`, vevent('ev-1', ['DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:Viewing']))).status).toBe(201);
    const a = (await appointments.findBy(s.t.ctx, { uid: 'ev-1' }))!;
    expect(a.attendees).toEqual([{ kind: 'user', userId: s.alice.id, role: 'required', status: 'accepted' }]);
    const todo = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VTODO', 'UID:task-1', 'SUMMARY:Call back', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
    expect((await put(`${TASKS}t.ics`, todo)).status).toBe(201);
    expect((await tasks.findBy(s.t.ctx, { uid: 'task-1' }))!.responsibleUserIds).toEqual([s.alice.id]);

    await updateUser(s.t.ctx, s.alice.id, { settings: { importAppointmentsNeedContact: true } });
    const refused = await put(`${CALENDAR}ev2.ics`, vevent('ev-2', ['DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:Lunch']));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('SPEC I2');
  });

  it('D3: a one-way unit is read-only in current-user-privilege-set and refuses PUT and DELETE with a reason', async () => {
    await updateUser(s.t.ctx, s.alice.id, { settings: { deviceModes: { contacts: 'one-way', calendar: 'two-way', tasks: 'two-way' } } });
    const c = await createContact(s.t.ctx, { givenName: 'Fritz' }, SYSTEM, [s.alice.id]);
    const props = await s.request('PROPFIND', CONTACTS, { headers: { depth: '0' }, body: '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop></d:propfind>' });
    expect(props.body).toContain('<d:read/>');
    expect(props.body).not.toContain('<d:write/>');
    const refused = await put(`${CONTACTS}${c.id}.vcf`, vcard(c.uid, 'Fritz X'));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('one-way');
    expect((await s.request('DELETE', `${CONTACTS}${c.id}.vcf`)).status).toBe(403);
  });

  it('X1: deleting a contact removes the tick (or archives it when configured); sync reports the removal as 404', async () => {
    const c1 = await createContact(s.t.ctx, { givenName: 'Gina' }, SYSTEM, [s.alice.id]);
    const initial = await s.request('REPORT', CONTACTS, { body: syncBody('') });
    expect(hrefsIn(initial.body)).toContain(`${CONTACTS}${c1.id}.vcf`);
    expect((await s.request('DELETE', `${CONTACTS}${c1.id}.vcf`)).status).toBe(204);
    expect(await tickedUserIds(s.t.ctx, c1.id)).toEqual([]);
    expect((await contacts.get(s.t.ctx, c1.id)).archived).toBe(false);
    const next = await s.request('REPORT', CONTACTS, { body: syncBody(tokenOf(initial.body)) });
    expect(next.body).toContain(`<d:href>${CONTACTS}${c1.id}.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status>`);

    await updateUser(s.t.ctx, s.alice.id, { settings: { deviceContactDeletion: 'archive' } });
    const c2 = await createContact(s.t.ctx, { givenName: 'Hans' }, SYSTEM, [s.alice.id]);
    expect((await s.request('DELETE', `${CONTACTS}${c2.id}.vcf`)).status).toBe(204);
    expect((await contacts.get(s.t.ctx, c2.id)).archived).toBe(true);
  });

  it('X2: deleting an appointment cancels it when alone, removes only the user when others attend', async () => {
    const when = { allDay: false as const, start: s.t.clock.now + 86_400_000, end: s.t.clock.now + 90_000_000, timeZone: 'Europe/Berlin' };
    const alone = await appointments.create(s.t.ctx, { title: 'Solo', timing: when, attendees: [{ kind: 'user', userId: s.alice.id }] }, SYSTEM);
    const shared = await appointments.create(s.t.ctx, { title: 'Both', timing: when, attendees: [{ kind: 'user', userId: s.alice.id }, { kind: 'user', userId: s.bob.id }] }, SYSTEM);
    expect((await s.request('DELETE', `${CALENDAR}${alone.id}.ics`)).status).toBe(204);
    expect((await appointments.get(s.t.ctx, alone.id)).status).toBe('cancelled');
    expect((await s.request('DELETE', `${CALENDAR}${shared.id}.ics`)).status).toBe(204);
    const after = await appointments.get(s.t.ctx, shared.id);
    expect(after.status).toBe('confirmed');
    expect(after.attendees.map((a) => (a.kind === 'user' ? a.userId : ''))).toEqual([s.bob.id]);
  });

  it('G1: a group appointment deleted on the device comes back at the next sync', async () => {
    const team = await createGroup(s.t.ctx, 'Team');
    await setGroupMember(s.t.ctx, team.id, s.alice.id, true);
    const when = { allDay: false as const, start: s.t.clock.now + 86_400_000, end: s.t.clock.now + 90_000_000, timeZone: 'UTC' };
    const a = await appointments.create(s.t.ctx, { title: 'Team meeting', timing: when, attendees: [{ kind: 'group', groupId: team.id }] }, SYSTEM);
    const initial = await s.request('REPORT', CALENDAR, { body: syncBody('') });
    expect((await s.request('DELETE', `${CALENDAR}${a.id}.ics`)).status).toBe(204);
    expect((await appointments.get(s.t.ctx, a.id)).status).toBe('confirmed');
    const next = await s.request('REPORT', CALENDAR, { body: syncBody(tokenOf(initial.body)) });
    expect(next.body).toContain(`<d:href>${CALENDAR}${a.id}.ics</d:href><d:propstat>`);
  });

  it('X3: deleting a task removes the user from its responsibles and cancels it when nobody is left', async () => {
    const t1 = await tasks.create(s.t.ctx, { title: 'Mine', responsibleUserIds: [s.alice.id] }, SYSTEM);
    const t2 = await tasks.create(s.t.ctx, { title: 'Ours', responsibleUserIds: [s.alice.id, s.bob.id] }, SYSTEM);
    expect((await s.request('DELETE', `${TASKS}${t1.id}.ics`)).status).toBe(204);
    expect((await tasks.get(s.t.ctx, t1.id)).status).toBe('cancelled');
    expect((await s.request('DELETE', `${TASKS}${t2.id}.ics`)).status).toBe(204);
    expect((await tasks.get(s.t.ctx, t2.id)).responsibleUserIds).toEqual([s.bob.id]);
  });

  it('F2: a value that is the CRM value cut to the device limit keeps the longer original', async () => {
    await s.close();
    s = await startDav(dialect, { limits: { deviceFieldLimits: { title: 10 } } });
    const when = { allDay: false as const, start: Date.UTC(2026, 11, 1, 10), end: Date.UTC(2026, 11, 1, 11), timeZone: 'UTC' };
    const a = await appointments.create(s.t.ctx, { title: 'A very long appointment title', note: 'n', timing: when, attendees: [{ kind: 'user', userId: s.alice.id }] }, SYSTEM);
    const body = vevent(a.uid, ['DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:A very lon', 'DESCRIPTION:changed']);
    expect((await put(`${CALENDAR}${a.id}.ics`, body)).status).toBe(204);
    const after = await appointments.get(s.t.ctx, a.id);
    expect(after.title).toBe('A very long appointment title');
    expect(after.note).toBe('changed');
  });

  it('collections cannot be deleted or created; GET on the calendar is an .ics export', async () => {
    expect((await s.request('DELETE', CALENDAR)).status).toBe(403);
    const mk = await s.request('MKCALENDAR', '/dav/calendars/alice/new/');
    expect(mk.status).toBe(403);
    expect(mk.body).toContain('calendar-collection-location-ok');
    expect((await s.request('MKCOL', '/dav/addressbooks/alice/new/')).status).toBe(403);
    await put(`${CALENDAR}x.ics`, vevent('exp-1', ['DTSTART;TZID=Europe/Berlin:20261201T100000', 'DTEND;TZID=Europe/Berlin:20261201T110000', 'SUMMARY:Export']));
    const ics = await s.request('GET', CALENDAR);
    expect(ics.status).toBe(200);
    expect(ics.body).toContain('BEGIN:VTIMEZONE');
    expect(ics.body).toContain('SUMMARY:Export');
  });

  it('sync-collection: incremental changes, limit → 507 with a continuing token, unknown token → 403 valid-sync-token', async () => {
    const ids = [];
    for (const n of ['A', 'B', 'C']) ids.push((await createContact(s.t.ctx, { givenName: n }, SYSTEM, [s.alice.id])).id);
    const first = await s.request('REPORT', CONTACTS, { body: syncBody('', 2) });
    expect(first.body).toContain('507');
    expect(hrefsIn(first.body).filter((h) => h.endsWith('.vcf'))).toHaveLength(2);
    const rest = await s.request('REPORT', CONTACTS, { body: syncBody(tokenOf(first.body)) });
    expect(hrefsIn(rest.body)).toEqual([`${CONTACTS}${ids[2]}.vcf`]);
    await contacts.update(s.t.ctx, ids[0]!, { jobTitle: 'Agent' }, SYSTEM);
    const inc = await s.request('REPORT', CONTACTS, { body: syncBody(tokenOf(rest.body)) });
    expect(hrefsIn(inc.body)).toEqual([`${CONTACTS}${ids[0]}.vcf`]);
    const none = await s.request('REPORT', CONTACTS, { body: syncBody(tokenOf(inc.body)) });
    expect(hrefsIn(none.body)).toEqual([]);
    const bad = await s.request('REPORT', CONTACTS, { body: syncBody('http://crmsync/ns/sync/other/1') });
    expect(bad.status).toBe(403);
    expect(bad.body).toContain('valid-sync-token');
    const future = await s.request('REPORT', CONTACTS, { body: syncBody(tokenOf(inc.body).replace(/\/\d+$/, '/999999')) });
    expect(future.status).toBe(403);
  });
});
