// The CalDAV/CardDAV connector against real Radicale and Xandikos servers (test/helpers/peers.ts),
// plus a local fault-injecting proxy for the L4 classification.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCalDavConnector } from '../../src/connectors/caldav/index.js';
import { RemoteError, type Connector, type RemoteItem, type UnitPayload } from '../../src/connectors/types.js';
import type { SyncedAppointment, SyncedContact, SyncedTask } from '../../src/connectors/types.js';
import { emptyContactFields } from '../../src/formats/index.js';
import { peerAvailable, startPeer, type Peer, type PeerKind } from '../helpers/peers.js';

const KINDS: PeerKind[] = ['radicale', 'xandikos'];

// ---- payloads

function contact(over: Partial<SyncedContact> = {}): UnitPayload {
  return {
    unit: 'contacts',
    record: {
      ...emptyContactFields(), givenName: 'Ada', familyName: 'Lovelace', organization: 'Analytical Engines Ltd',
      emails: [{ type: 'business', value: 'ada@example.com' }], phones: [{ type: 'mobile', value: '+49 170 1234567' }],
      ...over,
    },
  };
}

const berlin = (iso: string) => Date.parse(`${iso}+01:00`); // CET (before 29 March 2026)

/** Weekly in Europe/Berlin, one occurrence moved and retitled, one cancelled (R1, R2). */
function recurringEvent(over: Partial<SyncedAppointment> = {}): UnitPayload {
  return {
    unit: 'calendar',
    record: {
      title: 'Team meeting', note: 'Weekly sync', location: 'Room 1',
      timing: { allDay: false, start: berlin('2026-03-02T09:00:00'), end: berlin('2026-03-02T10:00:00'), timeZone: 'Europe/Berlin' },
      recurrence: { rrule: 'FREQ=WEEKLY;COUNT=10', rdates: [], exdates: ['20260316T090000'] },
      overrides: [{
        recurrenceId: '20260309T090000', cancelled: false, title: 'Team meeting (moved)',
        timing: { allDay: false, start: berlin('2026-03-09T11:00:00'), end: berlin('2026-03-09T12:00:00'), timeZone: 'Europe/Berlin' },
      }],
      status: 'confirmed', private: false,
      attendees: [{ kind: 'user', userId: 'u-1', role: 'required', status: 'accepted' }],
      reminders: [{ minutesBefore: 15 }],
      ...over,
    },
  };
}

function allDayEvent(): UnitPayload {
  return {
    unit: 'calendar',
    record: {
      title: 'Trade fair', note: '', location: 'Messe Berlin',
      timing: { allDay: true, startDate: '2026-05-04', endDate: '2026-05-07' },
      recurrence: null, overrides: [], status: 'tentative', private: true, attendees: [], reminders: [],
    },
  };
}

function task(over: Partial<SyncedTask> = {}): UnitPayload {
  return {
    unit: 'tasks',
    record: {
      title: 'Call back Ada', note: 'About the offer', start: null, due: Date.parse('2026-04-01T15:00:00Z'),
      priority: 1, status: 'needs-action', percentComplete: 0, completedAt: null, ...over,
    },
  };
}

async function expectRemoteError(p: Promise<unknown>, kind: RemoteError['kind']): Promise<RemoteError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RemoteError);
  expect((err as RemoteError).kind).toBe(kind);
  return err as RemoteError;
}

// ---- against real servers

for (const kind of KINDS) {
  describe.skipIf(!peerAvailable(kind))(`CalDAV/CardDAV connector against ${kind}`, () => {
    let peer: Peer;
    let conn: Connector;
    let n = 0;
    const key = (what: string) => `${what}-${++n}`;

    const raw = async (method: string, url: string, body?: string, headers: Record<string, string> = {}) => {
      const auth = `Basic ${Buffer.from(`${peer.username}:${peer.password}`).toString('base64')}`;
      const res = await fetch(url, { method, body, headers: { authorization: auth, ...headers } });
      // Unfolded (RFC 5545 §3.1): both servers re-serialize what they store, with their own folding.
      return { status: res.status, text: (await res.text()).replace(/\r\n[ \t]/g, ''), etag: res.headers.get('etag') };
    };
    const fetchOne = async (collection: string, unit: 'contacts' | 'calendar' | 'tasks', ref: string): Promise<RemoteItem | undefined> =>
      (await conn.fetch(collection, unit, [ref])).items[0];

    beforeAll(async () => {
      peer = await startPeer(kind);
      conn = createCalDavConnector({ url: peer.url, username: peer.username, password: peer.password });
    });
    afterAll(async () => {
      await peer?.stop();
    });

    it('discovers the collections with their units', async () => {
      const found = await conn.discover();
      const units = Object.fromEntries(found.map((c) => [c.ref, c.units]));
      expect(units[peer.collections.contacts]).toEqual(['contacts']);
      // Radicale keeps the component set given to MKCALENDAR; Xandikos ignores it: every calendar takes everything.
      expect(units[peer.collections.tasks]).toEqual(kind === 'radicale' ? ['tasks'] : ['calendar', 'tasks']);
      expect(units[peer.collections.calendar]).toEqual(kind === 'radicale' ? ['calendar'] : ['calendar', 'tasks']);
      expect(found.every((c) => c.displayName !== '')).toBe(true);
    });

    it.runIf(kind === 'radicale')('a wrong password is an auth error, and the password is not in the message', async () => {
      const bad = createCalDavConnector({ url: peer.url, username: peer.username, password: 'not-the-password' });
      const err = await expectRemoteError(bad.discover(), 'auth');
      expect(err.status).toBe(401);
      expect(err.message).not.toContain('not-the-password');
    });

    it('creates, fetches, updates and deletes a contact with X-CRMSYNC-ID (M1)', async () => {
      const col = peer.collections.contacts;
      const created = await conn.create(col, key('c'), 'uid-ada', 'crm-ada', contact());
      expect(created.existed).toBe(false);
      expect(created.ref).toMatch(/crmsync-c-\d+\.vcf$/);
      const item = await fetchOne(col, 'contacts', created.ref);
      expect(item).toMatchObject({ ref: created.ref, version: created.version, uid: 'uid-ada', crmId: 'crm-ada' });
      expect(item!.payload).toEqual(contact());

      const updated = await conn.update(col, { ...item!, uid: 'uid-ada', crmId: 'crm-ada' }, contact({ jobTitle: 'Countess', phones: [] }));
      expect(updated.version).not.toBe(created.version);
      const after = await fetchOne(col, 'contacts', created.ref);
      expect(after!.payload).toEqual(contact({ jobTitle: 'Countess', phones: [] }));
      expect(after!.version).toBe(updated.version);

      await conn.delete(col, updated);
      expect((await conn.fetch(col, 'contacts', [created.ref])).items).toEqual([]);
      await conn.delete(col, updated); // already gone: success
    });

    it('round-trips a recurring Europe/Berlin event with a moved and a cancelled occurrence', async () => {
      const col = peer.collections.calendar;
      const created = await conn.create(col, key('e'), 'uid-series', 'crm-series', recurringEvent());
      const item = await fetchOne(col, 'calendar', created.ref);
      expect(item).toMatchObject({ uid: 'uid-series', crmId: 'crm-series' });
      expect(item!.payload).toEqual(recurringEvent());

      // G2: attendees written with SCHEDULE-AGENT=CLIENT, and our id in the item (M1).
      const stored = await raw('GET', created.ref);
      expect(stored.text).toMatch(/ATTENDEE[^\r\n]*SCHEDULE-AGENT=CLIENT/);
      expect(stored.text).toContain('X-CRMSYNC-ID:crm-series');
      expect(stored.text).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260309T090000');

      const changed = recurringEvent({ title: 'Team meeting (new)', recurrence: { rrule: 'FREQ=WEEKLY;COUNT=10', rdates: [], exdates: ['20260316T090000', '20260323T090000'] } });
      await conn.update(col, { ...item!, uid: 'uid-series', crmId: 'crm-series' }, changed);
      expect((await fetchOne(col, 'calendar', created.ref))!.payload).toEqual(changed);
    });

    it('round-trips an all-day event and a task', async () => {
      const cal = peer.collections.calendar;
      const day = await conn.create(cal, key('d'), 'uid-fair', 'crm-fair', allDayEvent());
      expect((await fetchOne(cal, 'calendar', day.ref))!.payload).toEqual(allDayEvent());
      expect((await raw('GET', day.ref)).text).toContain('DTSTART;VALUE=DATE:20260504');

      const col = peer.collections.tasks;
      const t = await conn.create(col, key('t'), 'uid-task', 'crm-task', task());
      const item = await fetchOne(col, 'tasks', t.ref);
      expect(item).toMatchObject({ uid: 'uid-task', crmId: 'crm-task' });
      expect(item!.payload).toEqual(task());
      const done = task({ status: 'completed', percentComplete: 100, completedAt: Date.parse('2026-03-30T08:00:00Z') });
      const v2 = await conn.update(col, { ...item!, uid: 'uid-task', crmId: 'crm-task' }, done);
      expect((await fetchOne(col, 'tasks', t.ref))!.payload).toEqual(done);
      await conn.delete(col, v2);
    });

    it('a second item with an existing UID is a rejected item (L5), naming the precondition', async () => {
      const col = peer.collections.tasks;
      const first = await conn.create(col, key('uid'), 'uid-twice', 'crm-twice-1', task());
      const err = await expectRemoteError(conn.create(col, key('uid'), 'uid-twice', 'crm-twice-2', task()), 'rejected-item');
      // Radicale: 409; Xandikos: 207 wrapping 412 — both carry CALDAV:no-uid-conflict.
      expect(err.message).toContain('no-uid-conflict');
      await conn.delete(col, first);
    });

    it.runIf(kind === 'xandikos')('tells events and tasks apart in a calendar that holds both', async () => {
      const col = peer.collections.calendar;
      const ev = await conn.create(col, key('mix-e'), 'uid-mix-e', 'crm-mix-e', allDayEvent());
      const t = await conn.create(col, key('mix-t'), 'uid-mix-t', 'crm-mix-t', task());
      const asTasks = await conn.fetch(col, 'tasks', [ev.ref, t.ref]);
      expect(asTasks.items.map((i) => i.ref)).toEqual([t.ref]);
      expect(asTasks.skipped).toEqual([{ ref: ev.ref, version: ev.version, reason: expect.stringContaining('VEVENT') as string, otherUnit: true }]);
      await conn.delete(col, ev);
      await conn.delete(col, t);
    });

    it('reports an unreadable remote item as skipped with its reason (L5)', async () => {
      const col = peer.collections.contacts;
      const url = `${col}broken.vcf`;
      const put = await raw('PUT', url, 'BEGIN:VCARD\r\nVERSION:2.1\r\nUID:broken\r\nFN:Old\r\nN:Old;;;;\r\nEND:VCARD\r\n', { 'content-type': 'text/vcard' });
      expect(put.status).toBe(201); // neither server checks the vCard version
      const got = await conn.fetch(col, 'contacts', [url]);
      expect(got.items).toEqual([]);
      expect(got.skipped).toMatchObject([{ ref: url, otherUnit: false, reason: expect.stringContaining('2.1') as string }]);
      await raw('DELETE', url);
    });

    it('a retried create returns the earlier copy with existed: true and makes no duplicate (M2)', async () => {
      const col = peer.collections.contacts;
      const k = key('retry');
      const first = await conn.create(col, k, 'uid-retry', 'crm-retry', contact({ givenName: 'Retry' }));
      const again = await conn.create(col, k, 'uid-retry', 'crm-retry', contact({ givenName: 'Retry' }));
      expect(again).toEqual({ ref: first.ref, version: first.version, existed: true });
      const listing = await conn.changes(col, 'contacts', null);
      const refs = listing.kind === 'full' ? listing.items.map((i) => i.ref) : listing.changed.map((i) => i.ref);
      expect(refs.filter((r) => r === first.ref)).toHaveLength(1);
    });

    it('an update against a stale version is a precondition failure', async () => {
      const col = peer.collections.contacts;
      const created = await conn.create(col, key('stale'), 'uid-stale', 'crm-stale', contact());
      const item = (await fetchOne(col, 'contacts', created.ref))!;
      const fresh = await conn.update(col, { ...item, uid: 'uid-stale', crmId: 'crm-stale' }, contact({ nickname: 'one' }));
      await expectRemoteError(conn.update(col, { ...item, uid: 'uid-stale', crmId: 'crm-stale' }, contact({ nickname: 'two' })), 'precondition');
      await expectRemoteError(conn.delete(col, item), 'precondition');
      await conn.delete(col, fresh);
    });

    it('reports a sync-collection delta after a change and a delete, deletions explicitly (X6)', async () => {
      const col = peer.collections.tasks;
      const a = await conn.create(col, key('sa'), 'uid-sa', 'crm-sa', task({ title: 'A' }));
      const b = await conn.create(col, key('sb'), 'uid-sb', 'crm-sb', task({ title: 'B' }));
      const first = await conn.changes(col, 'tasks', null);
      expect(first.kind).toBe('full');
      expect(first.cursor).toBeTruthy();
      const refs = first.kind === 'full' ? first.items : [];
      expect(refs).toEqual(expect.arrayContaining([{ ref: a.ref, version: a.version }, { ref: b.ref, version: b.version }]));

      const none = await conn.changes(col, 'tasks', first.cursor);
      expect(none).toEqual({ kind: 'delta', changed: [], deleted: [], cursor: first.cursor });

      const itemA = (await fetchOne(col, 'tasks', a.ref))!;
      const a2 = await conn.update(col, { ...itemA, uid: 'uid-sa', crmId: 'crm-sa' }, task({ title: 'A2' }));
      const afterChange = await conn.changes(col, 'tasks', first.cursor);
      expect(afterChange).toMatchObject({ kind: 'delta', changed: [{ ref: a.ref, version: a2.version }], deleted: [] });

      await conn.delete(col, b);
      const afterDelete = await conn.changes(col, 'tasks', afterChange.cursor);
      expect(afterDelete).toMatchObject({ kind: 'delta', changed: [], deleted: [b.ref] });
      expect(afterDelete.cursor).not.toBe(afterChange.cursor);
    });

    it('an unknown sync token is cursor-invalid', async () => {
      const col = peer.collections.calendar;
      const { cursor } = await conn.changes(col, 'calendar', null);
      expect(cursor).toBeTruthy();
      const forged = `${cursor!.slice(0, -8)}00000000`;
      await expectRemoteError(conn.changes(col, 'calendar', forged), 'cursor-invalid');
    });

    it('keeps properties another client wrote when we update (X-, unknown VALARM)', async () => {
      const cards = peer.collections.contacts;
      const cardUrl = `${cards}other-client.vcf`;
      const card = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:other-1', 'N:Babbage;Charles;;;', 'FN:Charles Babbage',
        'X-OTHER-CLIENT:keep me', 'item1.EMAIL;TYPE=INTERNET:cb@example.com', 'item1.X-ABLabel:Lab', 'END:VCARD', ''].join('\r\n');
      expect((await raw('PUT', cardUrl, card, { 'content-type': 'text/vcard' })).status).toBeLessThan(300);
      const item = (await fetchOne(cards, 'contacts', cardUrl))!;
      expect(item).toMatchObject({ uid: 'other-1', crmId: null });
      const record = item.payload.unit === 'contacts' ? item.payload.record : null;
      await conn.update(cards, { ...item, uid: 'other-1', crmId: 'crm-babbage' }, { unit: 'contacts', record: { ...record!, jobTitle: 'Inventor' } });
      const after = (await raw('GET', cardUrl)).text;
      expect(after).toContain('X-OTHER-CLIENT:keep me');
      expect(after).toMatch(/^item1\.X-ABLabel:Lab$/im); // Radicale upper-cases property names
      expect(after).toContain('TITLE:Inventor');
      expect(after).toContain('X-CRMSYNC-ID:crm-babbage');

      const cal = peer.collections.calendar;
      const evUrl = `${cal}other-client.ics`;
      const ev = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Other//EN', 'X-WR-CALNAME:Theirs', 'BEGIN:VEVENT', 'UID:other-ev',
        'DTSTAMP:20260101T000000Z', 'DTSTART:20260410T080000Z', 'DTEND:20260410T090000Z', 'SUMMARY:Theirs',
        'X-OTHER-PROP;X-P=1:keep', 'ORGANIZER;CN=Bob:mailto:bob@example.com', 'ATTENDEE;CN=Eve:mailto:eve@example.com',
        'BEGIN:VALARM', 'ACTION:AUDIO', 'TRIGGER:-PT5M', 'END:VALARM', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      expect((await raw('PUT', evUrl, ev, { 'content-type': 'text/calendar' })).status).toBeLessThan(300);
      const evItem = (await fetchOne(cal, 'calendar', evUrl))!;
      const evRecord = evItem.payload.unit === 'calendar' ? evItem.payload.record : null;
      expect(evRecord!.attendees).toEqual([]); // Eve is no one the default directory knows
      await conn.update(cal, { ...evItem, uid: 'other-ev', crmId: 'crm-theirs' }, { unit: 'calendar', record: { ...evRecord!, title: 'Ours now' } });
      const evAfter = (await raw('GET', evUrl)).text;
      expect(evAfter).toContain('X-OTHER-PROP;X-P=1:keep');
      expect(evAfter).toContain('X-WR-CALNAME:Theirs');
      expect(evAfter).toContain('ACTION:AUDIO');
      expect(evAfter).toContain('SUMMARY:Ours now');
      // People the CRM cannot hold are kept (F3), and no server may schedule because of us (G2).
      expect(evAfter).toMatch(/ORGANIZER;CN=Bob;SCHEDULE-AGENT=CLIENT:mailto:bob@example.com/);
      expect(evAfter).toMatch(/ATTENDEE;CN=Eve;SCHEDULE-AGENT=CLIENT:mailto:eve@example.com/);
    });

    it('falls back to full listings with the ctag as cursor when sync-collection is unavailable', async () => {
      const proxy = await startFaultProxy(peer.url);
      proxy.hideSyncToken = true;
      try {
        const via = createCalDavConnector({ url: proxy.url, username: peer.username, password: peer.password });
        const col = peer.collections.tasks.replace(peer.url, proxy.url);
        const created = await via.create(col, key('ctag'), 'uid-ctag', 'crm-ctag', task({ title: 'ctag' }));
        const first = await via.changes(col, 'tasks', null);
        expect(first.kind).toBe('full');
        expect(first.cursor).toBeTruthy();
        expect(first.kind === 'full' && first.items).toContainEqual({ ref: created.ref, version: created.version });
        expect(await via.changes(col, 'tasks', first.cursor)).toEqual({ kind: 'delta', changed: [], deleted: [], cursor: first.cursor });
        await via.delete(col, created);
        const after = await via.changes(col, 'tasks', first.cursor);
        expect(after.kind).toBe('full'); // a missing item in a full listing is no deletion (X6)
        expect(after.cursor).not.toBe(first.cursor);
        expect(after.kind === 'full' && after.items.map((i) => i.ref)).not.toContain(created.ref);
      } finally {
        await proxy.close();
      }
    });

    it('with a sync-token cursor an unchanged collection costs one PROPFIND Depth 0 for the sync-token alone; a change is still seen', async () => {
      const sent: { method: string; depth: string | null; body: string }[] = [];
      const spy: typeof fetch = (input, init) => {
        sent.push({ method: init?.method ?? 'GET', depth: new Headers(init?.headers).get('depth'), body: typeof init?.body === 'string' ? init.body : '' });
        return fetch(input, init);
      };
      const via = createCalDavConnector({ url: peer.url, username: peer.username, password: peer.password, fetch: spy });
      const col = peer.collections.contacts;
      const a = await via.create(col, key('quiet'), 'uid-quiet', 'crm-quiet', contact({ nickname: 'quiet' }));
      const first = await via.changes(col, 'contacts', null);
      expect(first.cursor).not.toMatch(/^ctag /);
      sent.length = 0;
      expect(await via.changes(col, 'contacts', first.cursor)).toEqual({ kind: 'delta', changed: [], deleted: [], cursor: first.cursor });
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ method: 'PROPFIND', depth: '0' });
      expect(sent[0]!.body).toContain('sync-token');
      expect(sent[0]!.body).not.toContain('getctag');

      const item = (await fetchOne(col, 'contacts', a.ref))!;
      const a2 = await conn.update(col, { ...item, uid: 'uid-quiet', crmId: 'crm-quiet' }, contact({ nickname: 'changed' }));
      sent.length = 0;
      expect(await via.changes(col, 'contacts', first.cursor)).toMatchObject({ kind: 'delta', changed: [{ ref: a.ref, version: a2.version }], deleted: [] });
      expect(sent.map((s) => s.method)).toEqual(['PROPFIND', 'REPORT']);
    });

    it('reads items a sync-collection answer carried from there; an item written since is read from the server again', async () => {
      const sent: string[] = [];
      const spy: typeof fetch = (input, init) => {
        sent.push(`${init?.method ?? 'GET'} ${typeof init?.body === 'string' && init.body.includes('multiget') ? 'multiget' : ''}`.trim());
        return fetch(input, init);
      };
      const via = createCalDavConnector({ url: peer.url, username: peer.username, password: peer.password, fetch: spy });
      const col = peer.collections.contacts;
      const a = await via.create(col, key('listed'), 'uid-listed', 'crm-listed', contact({ nickname: 'listed' }));
      await via.changes(col, 'contacts', null);
      sent.length = 0;
      const got = await via.fetch(col, 'contacts', [a.ref]);
      expect(got.items[0]).toMatchObject({ ref: a.ref, version: a.version, uid: 'uid-listed', crmId: 'crm-listed' });
      // Radicale gives address-data in sync-collection; Xandikos answers it with 404 (multiget then).
      expect(sent).toEqual(kind === 'radicale' ? [] : ['REPORT multiget']);
      const written = await via.update(col, { ...got.items[0]!, uid: 'uid-listed', crmId: 'crm-listed' }, contact({ nickname: 'written' }));
      sent.length = 0;
      const again = await via.fetch(col, 'contacts', [a.ref]);
      expect(again.items[0]).toMatchObject({ ref: a.ref, version: written.version });
      expect(again.items[0]!.payload.unit === 'contacts' && again.items[0]!.payload.record.nickname).toBe('written');
      expect(sent).toEqual(['REPORT multiget']);
    });

    it('marks ctag cursors: one PROPFIND per unchanged run, an unmarked ctag from before is understood, sync-collection is taken up once offered', async () => {
      const proxy = await startFaultProxy(peer.url);
      proxy.hideSyncToken = true;
      try {
        const methods: string[] = [];
        const spy: typeof fetch = (input, init) => {
          methods.push(init?.method ?? 'GET');
          return fetch(input, init);
        };
        const via = createCalDavConnector({ url: proxy.url, username: peer.username, password: peer.password, fetch: spy });
        const col = peer.collections.tasks.replace(peer.url, proxy.url);
        const created = await via.create(col, key('mark'), 'uid-mark', 'crm-mark', task({ title: 'mark' }));
        const first = await via.changes(col, 'tasks', null);
        expect(first.cursor).toMatch(/^ctag ./);
        methods.length = 0;
        expect(await via.changes(col, 'tasks', first.cursor)).toEqual({ kind: 'delta', changed: [], deleted: [], cursor: first.cursor });
        expect(methods).toEqual(['PROPFIND']);
        // A cursor saved before cursors were marked is the bare ctag: still "no change".
        const bare = first.cursor!.slice('ctag '.length);
        expect(await via.changes(col, 'tasks', bare)).toEqual({ kind: 'delta', changed: [], deleted: [], cursor: first.cursor });
        // The server offers RFC 6578 now (no proxy in between): a complete listing by sync-collection.
        const direct = await conn.changes(peer.collections.tasks, 'tasks', first.cursor);
        expect(direct.kind).toBe('full');
        expect(direct.cursor).toBeTruthy();
        expect(direct.cursor).not.toMatch(/^ctag /);
        expect(direct.kind === 'full' && direct.items.map((i) => i.ref)).toContain(created.ref.replace(proxy.url, peer.url));
        expect(await conn.changes(peer.collections.tasks, 'tasks', direct.cursor)).toMatchObject({ kind: 'delta', changed: [], deleted: [] });
      } finally {
        await proxy.close();
      }
    });

    it('classifies 503, 429, dropped and stalled connections through a proxy as transient (L4)', async () => {
      const proxy = await startFaultProxy(peer.url);
      try {
        const via = createCalDavConnector({ url: proxy.url, username: peer.username, password: peer.password, timeoutMs: 1000 });
        const col = peer.collections.contacts.replace(peer.url, proxy.url);
        await expect(via.changes(col, 'contacts', null)).resolves.toMatchObject({ kind: 'full' }); // passes through

        proxy.mode = '503';
        const e503 = await expectRemoteError(via.changes(col, 'contacts', null), 'transient');
        expect(e503).toMatchObject({ status: 503, retryAfterSeconds: 2 });

        proxy.mode = '429';
        const e429 = await expectRemoteError(via.create(col, key('x'), 'u', 'c', contact()), 'transient');
        expect(e429.status).toBe(429);
        expect(e429.retryAfterSeconds).toBeGreaterThanOrEqual(29);
        expect(e429.retryAfterSeconds).toBeLessThanOrEqual(31);

        proxy.mode = 'drop';
        const dropped = await expectRemoteError(via.fetch(col, 'contacts', [`${col}x.vcf`]), 'transient');
        expect(dropped.retryAfterSeconds).toBeNull();

        proxy.mode = 'stall';
        const stalled = await expectRemoteError(via.discover(), 'transient');
        expect(stalled.message).toContain('1000 ms');
        for (const e of [e503, e429, dropped, stalled]) expect(e.message).not.toContain(peer.password);
      } finally {
        await proxy.close();
      }
    });
  });
}

// ---- fault proxy (127.0.0.1 only)

interface FaultProxy {
  url: string;
  mode: 'pass' | '503' | '429' | 'drop' | 'stall';
  /** In 'pass' mode, strip DAV:sync-token from answers, as from a server without RFC 6578. */
  hideSyncToken: boolean;
  close(): Promise<void>;
}

/** Forwards to `target` in 'pass' mode; otherwise answers 503 (Retry-After: 2), 429 (Retry-After as an HTTP date), drops or stalls. */
async function startFaultProxy(target: string): Promise<FaultProxy> {
  const state: { mode: FaultProxy['mode']; hideSyncToken: boolean } = { mode: 'pass', hideSyncToken: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      switch (state.mode) {
        case '503':
          res.writeHead(503, { 'retry-after': '2', 'content-type': 'text/plain' }).end('maintenance');
          return;
        case '429':
          res.writeHead(429, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }).end();
          return;
        case 'drop':
          req.socket.destroy();
          return;
        case 'stall':
          return; // never answers; the client's timeout must fire
        case 'pass':
          void forward(target, req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks), res, state.hideSyncToken);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get mode() { return state.mode; },
    set mode(m) { state.mode = m; },
    get hideSyncToken() { return state.hideSyncToken; },
    set hideSyncToken(h) { state.hideSyncToken = h; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function forward(
  target: string, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer,
  res: ServerResponse, hideSyncToken: boolean,
): Promise<void> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) out[k] = v;
  const upstream = await fetch(new URL(path, target), { method, headers: out, body: body.length ? body : undefined, redirect: 'manual' });
  let text = Buffer.from(await upstream.arrayBuffer());
  if (hideSyncToken) text = Buffer.from(text.toString('utf8').replace(/<([\w.-]+:)?sync-token\s*>[^<]*<\/([\w.-]+:)?sync-token>/g, ''));
  const back: Record<string, string> = {};
  upstream.headers.forEach((v, k) => {
    if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) back[k] = v;
  });
  res.writeHead(upstream.status, back).end(text);
}
