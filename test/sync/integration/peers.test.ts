// The sync engine end to end against real Radicale and Xandikos (issue 4 item 5: integration with
// the Debian packages for contacts, events and tasks in both directions). Each server is started
// on 127.0.0.1 by test/helpers/peers.ts; without the package the suite is skipped with a notice,
// under CI=true it fails. One scenario per server, in order: connect (A2, discovery), CRM→remote,
// remote→CRM written raw by "another client" with X- properties that must survive our updates,
// edits both ways, deletions both ways (X1–X4), G2 on the stored text, and a last run that
// changes nothing (no new ETag on the server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startPeer, type Peer, type PeerKind } from '../../helpers/peers.js';
import { SYSTEM } from '../../../src/domain/authors.js';
import type { Appointment, Contact, Task, Unit } from '../../../src/domain/records.js';
import { contacts, createContact, setTick, tickedUserIds } from '../../../src/crm/contacts.js';
import { appointments } from '../../../src/crm/appointments.js';
import { tasks } from '../../../src/crm/tasks.js';
import { listJournal } from '../../../src/crm/journal.js';
import { addTarget, resetTarget } from '../../../src/sync/engine/targets.js';
import { getChannel } from '../../../src/sync/engine/channels.js';
import { runToEnd, type EngineDeps } from '../../../src/sync/engine/run.js';
import { allLinks } from '../../../src/sync/engine/links.js';
import { project, projectPayload, withKnownCategory } from '../../../src/sync/engine/projection.js';
import { readItem, defaultDirectory } from '../../../src/connectors/caldav/mapping.js';
import { createWorld, dav, etags, getRaw, PNG_1PX, putRaw } from './support.js';

const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '').replace(/\r\n/g, '\n');
const at = (iso: string) => Date.parse(iso);

for (const kind of ['radicale', 'xandikos'] as PeerKind[]) {
  describe.skipIf(!peerAvailable(kind))(`sync engine against ${kind}`, () => {
    let peer: Peer;
    let w: Awaited<ReturnType<typeof createWorld>>;
    let deps: EngineDeps;
    const ch: Partial<Record<Unit, string>> = {};
    const run = async (unit: Unit) => {
      const out = await runToEnd(deps, ch[unit]!, 'manual');
      if (out.kind !== 'done') throw new Error(`${unit} run ended ${JSON.stringify(out)}\n${peer.log()}`);
      return out;
    };
    const hrefOf = async (unit: Unit, crmId: string) => {
      const link = (await allLinks(w.t.ctx, ch[unit]!)).find((l) => l.crmId === crmId);
      if (!link) throw new Error(`no link for ${crmId}`);
      return link.remoteHref;
    };
    /** The stored text, parsed by our own reader, as the canonical projection. */
    const remoteFields = async (unit: Unit, href: string) => {
      const r = await getRaw(peer, href);
      expect(r.status).toBe(200);
      const read = readItem(unit, r.body, defaultDirectory);
      if (!read.ok) throw new Error(read.reason);
      return { fields: projectPayload(read.payload), text: unfold(r.body), etag: r.etag };
    };
    /** X5: sync never hard-deletes: no journal entry authored by a target is a delete. */
    const noSyncDeletes = async () => {
      const byTargets = await listJournal(w.t.ctx, { authorKinds: ['target'], limit: 10_000 });
      expect(byTargets.filter((e) => e.action === 'delete')).toEqual([]);
    };

    beforeAll(async () => {
      peer = await startPeer(kind);
      w = await createWorld();
      deps = { ctx: w.t.ctx, keyring: w.keyring };
    });
    afterAll(async () => {
      await w?.t.drop();
      await peer?.stop();
    });

    it('connects with real credentials; discovery binds one collection per unit (A2, issue 4 item 1)', async () => {
      if (kind === 'radicale') {
        await expect(addTarget(w.t.ctx, w.keyring, { userId: w.alice.id, url: peer.url, username: peer.username, password: 'wrong' }))
          .rejects.toThrow(/rejected these credentials/);
      }
      // Xandikos reports no supported-calendar-component-set: both of its calendars may hold events
      // and tasks, so the account is ambiguous and the collections are chosen (`--calendar/--tasks`).
      const collections = kind === 'xandikos' ? { calendar: peer.collections.calendar, tasks: peer.collections.tasks } : undefined;
      if (kind === 'xandikos') {
        await expect(addTarget(w.t.ctx, w.keyring, { userId: w.alice.id, url: peer.url, username: peer.username, password: peer.password }))
          .rejects.toThrow(/choose one/);
      }
      const res = await addTarget(w.t.ctx, w.keyring, { userId: w.alice.id, url: peer.url, username: peer.username, password: peer.password, collections });
      expect(res.bound).toEqual({ contacts: peer.collections.contacts, calendar: peer.collections.calendar, tasks: peer.collections.tasks });
      for (const unit of ['contacts', 'calendar', 'tasks'] as Unit[]) ch[unit] = await w.channelOf(unit);
    });

    // ---------------------------------------------------------------- contacts
    let anna: Contact;
    let berta: Contact;
    let carlaHref: string;

    it('contacts CRM→remote: typed phones and e-mails, company, year-less birthday, photo', async () => {
      anna = await createContact(w.t.ctx, {
        givenName: 'Anna', familyName: 'Schmidt', organization: 'Schmidt Immobilien GmbH', jobTitle: 'Broker',
        birthday: '--03-14',
        phones: [{ type: 'business', value: '+49 30 1234567' }, { type: 'mobile', value: '+49 170 7654321' }, { type: 'private', value: '+49 30 7654321' }],
        emails: [{ type: 'business', value: 'anna@schmidt.example' }, { type: 'private', value: 'anna@home.example' }],
        addresses: [{ type: 'business', street: 'Unter den Linden 1', locality: 'Berlin', postalCode: '10117', country: 'Germany' }],
        photo: { mediaType: 'image/png', data: PNG_1PX }, tags: ['vip'], category: 'customer',
      }, SYSTEM, [w.alice.id]);
      berta = await createContact(w.t.ctx, { kind: 'company', organization: 'Berta Bau AG', emails: [{ type: 'business', value: 'info@berta.example' }] }, SYSTEM, [w.alice.id]);
      await createContact(w.t.ctx, { givenName: 'Not ticked' }, SYSTEM);
      const out = await run('contacts');
      expect(out).toMatchObject({ status: 'completed', counts: { created: 2, updated: 0, deleted: 0 } });

      for (const c of [anna, berta]) {
        const stored = await remoteFields('contacts', await hrefOf('contacts', c.id));
        const record = await contacts.get(w.t.ctx, c.id);
        expect(withKnownCategory(stored.fields, record.category)).toEqual(project('contacts', record));
        expect(stored.text).toContain(`X-CRMSYNC-ID:${c.id}`); // M1
      }
      const text = (await remoteFields('contacts', await hrefOf('contacts', anna.id))).text;
      expect(text).toMatch(/^BDAY[^:\n]*:(--03-?14|1604-03-14)$/m); // vCard 3: Apple's X-APPLE-OMIT-YEAR=1604
      expect(text).toMatch(/^PHOTO[;:]/m);
      expect(text).toMatch(/^ORG[^:\n]*:Schmidt Immobilien GmbH/m);
      expect(text).toMatch(/^TEL[^:\n]*CELL[^:\n]*:\+49 170 7654321$/im);
      expect(text).toMatch(/^EMAIL[^:\n]*WORK[^:\n]*:anna@schmidt\.example$/im);
      expect((await etags(peer, peer.collections.contacts)).size).toBe(2);
    });

    it('contacts remote→CRM: a card PUT by another client enters (I1), and its X- properties survive our update', async () => {
      carlaHref = `${peer.collections.contacts}phone-carla.vcf`;
      await putRaw(peer, carlaHref, [
        'BEGIN:VCARD', 'VERSION:3.0', 'UID:phone-carla-uid', 'FN:Carla Rossi', 'N:Rossi;Carla;;;', 'ORG:Rossi SRL',
        'TEL;TYPE=CELL:+39 333 1234567', 'EMAIL;TYPE=WORK:carla@rossi.example', 'CATEGORIES:Kunde',
        'X-PHONE-ONLY:keep me', 'item1.X-ABLabel:Assistant', 'item1.TEL:+39 02 999', 'END:VCARD', '',
      ].join('\n'));
      await putRaw(peer, `${peer.collections.contacts}phone-friend.vcf`, [
        'BEGIN:VCARD', 'VERSION:3.0', 'UID:phone-friend-uid', 'FN:Private Friend', 'N:Friend;Private;;;', 'END:VCARD', '',
      ].join('\n'));
      const out = await run('contacts');
      expect(out).toMatchObject({ status: 'completed-with-warnings', counts: { created: 1 } }); // the friend is reported (I1)
      const carla = await contacts.findBy(w.t.ctx, { uid: 'phone-carla-uid' });
      expect(carla).toMatchObject({ givenName: 'Carla', familyName: 'Rossi', organization: 'Rossi SRL', category: 'customer' });
      expect(await tickedUserIds(w.t.ctx, carla!.id)).toEqual([w.alice.id]);
      expect(await contacts.findBy(w.t.ctx, { uid: 'phone-friend-uid' })).toBeNull();
      const stamped = await remoteFields('contacts', carlaHref);
      expect(stamped.text).toContain(`X-CRMSYNC-ID:${carla!.id}`);

      await contacts.update(w.t.ctx, carla!.id, { note: 'met at the fair' }, SYSTEM);
      await run('contacts');
      const after = await remoteFields('contacts', carlaHref);
      expect(after.fields).toMatchObject({ note: 'met at the fair', organization: 'Rossi SRL' });
      expect(after.text).toContain('X-PHONE-ONLY:keep me');
      expect(after.text).toMatch(/^item1\.X-ABLabel:Assistant$/im); // Apple label group kept
      expect(after.text).toContain(`X-CRMSYNC-ID:${carla!.id}`);
    });

    it('contacts: an edit on the server reaches the CRM, journaled with the target as author (X5)', async () => {
      const href = await hrefOf('contacts', anna.id);
      const r = await getRaw(peer, href);
      const edited = unfold(r.body).replace(/^TITLE:.*$/m, 'TITLE:Senior Broker');
      expect(edited).toContain('TITLE:Senior Broker');
      await putRaw(peer, href, edited, { 'if-match': r.etag! });
      await run('contacts');
      const now = await contacts.get(w.t.ctx, anna.id);
      expect(now.jobTitle).toBe('Senior Broker');
      expect(now.photo).toEqual({ mediaType: 'image/png', data: PNG_1PX });
      // vCard holds category and tags in one CATEGORIES list: the round trip must not move the
      // category into the tags (projection.ts withKnownCategory).
      expect(now).toMatchObject({ category: 'customer', tags: ['vip'] });
      const [entry] = await listJournal(w.t.ctx, { recordKind: 'contact', recordId: anna.id, limit: 1 });
      expect(entry!.author.kind).toBe('target');
    });

    it('contacts: deleted on the server → the tick goes, the record stays (X1); unticked in the CRM → deleted on the server (X4)', async () => {
      const annaHref = await hrefOf('contacts', anna.id);
      expect((await dav(peer, annaHref, 'DELETE')).status).toBeLessThan(300);
      const bertaHref = await hrefOf('contacts', berta.id);
      await setTick(w.t.ctx, berta.id, w.alice.id, false, SYSTEM);
      await run('contacts');
      expect(await tickedUserIds(w.t.ctx, anna.id)).toEqual([]);
      expect(await contacts.find(w.t.ctx, anna.id)).not.toBeNull();
      expect((await getRaw(peer, annaHref)).status).toBe(404); // not put back
      expect((await getRaw(peer, bertaHref)).status).toBe(404);
      expect(await contacts.find(w.t.ctx, berta.id)).not.toBeNull();
      await noSyncDeletes();
    });

    // ---------------------------------------------------------------- events
    let series: Appointment;
    let newYork: Appointment;
    let auckland: Appointment;
    let allDay: Appointment;
    const phoneEventHref = () => `${peer.collections.calendar}phone-event.ics`;

    it('events CRM→remote: recurring with a moved and a cancelled occurrence, all-day, three time zones; G2 on every ATTENDEE', async () => {
      const resourceAndContact = await createContact(w.t.ctx, { givenName: 'Dario', familyName: 'Client', emails: [{ type: 'business', value: 'dario@client.example' }] }, SYSTEM);
      series = await appointments.create(w.t.ctx, {
        title: 'Team meeting', note: 'Weekly', location: 'Room 1',
        timing: { allDay: false, start: at('2026-12-07T09:00:00+01:00'), end: at('2026-12-07T10:00:00+01:00'), timeZone: 'Europe/Berlin' },
        recurrence: { rrule: 'FREQ=WEEKLY;COUNT=6', rdates: [], exdates: ['20261221T090000'] }, // cancelled occurrence (R2)
        overrides: [{
          recurrenceId: '20261214T090000', cancelled: false, title: 'Team meeting (moved)',
          timing: { allDay: false, start: at('2026-12-14T11:00:00+01:00'), end: at('2026-12-14T12:00:00+01:00'), timeZone: 'Europe/Berlin' },
        }],
        attendees: [
          { kind: 'user', userId: w.alice.id, role: 'required', status: 'accepted' },
          { kind: 'contact', contactId: resourceAndContact.id, role: 'optional', status: 'needs-action' },
          { kind: 'resource', name: 'Beamer', email: null },
        ],
        reminders: [{ minutesBefore: 15 }],
      }, SYSTEM);
      newYork = await appointments.create(w.t.ctx, {
        title: 'Investor call',
        timing: { allDay: false, start: at('2026-12-10T14:00:00-05:00'), end: at('2026-12-10T15:00:00-05:00'), timeZone: 'America/New_York' },
        attendees: [{ kind: 'user', userId: w.alice.id }],
      }, SYSTEM);
      auckland = await appointments.create(w.t.ctx, {
        title: 'Site visit Auckland',
        timing: { allDay: false, start: at('2026-12-11T09:00:00+13:00'), end: at('2026-12-11T11:30:00+13:00'), timeZone: 'Pacific/Auckland' },
        attendees: [{ kind: 'user', userId: w.alice.id }], private: true,
      }, SYSTEM);
      allDay = await appointments.create(w.t.ctx, {
        title: 'Trade fair', timing: { allDay: true, startDate: '2026-12-28', endDate: '2026-12-31' }, status: 'tentative',
        attendees: [{ kind: 'user', userId: w.alice.id }],
      }, SYSTEM);
      const out = await run('calendar');
      expect(out).toMatchObject({ status: 'completed', counts: { created: 4 } });

      for (const a of [series, newYork, auckland, allDay]) {
        const stored = await remoteFields('calendar', await hrefOf('calendar', a.id));
        expect(stored.fields).toEqual(project('calendar', await appointments.get(w.t.ctx, a.id)));
        // G2: every ATTENDEE (and ORGANIZER) we wrote carries SCHEDULE-AGENT=CLIENT, in the stored text.
        const parties = stored.text.split('\n').filter((l) => /^(ATTENDEE|ORGANIZER)[;:]/.test(l));
        for (const line of parties) expect(line).toMatch(/;SCHEDULE-AGENT=CLIENT[;:]/);
        expect(parties.length).toBeGreaterThan(0);
      }
      const s = (await remoteFields('calendar', await hrefOf('calendar', series.id))).text;
      expect(s).toMatch(/^DTSTART;TZID=Europe\/Berlin:20261207T090000$/m);
      expect(s).toMatch(/^RECURRENCE-ID;TZID=Europe\/Berlin:20261214T090000$/m);
      expect(s).toMatch(/^EXDATE;TZID=Europe\/Berlin:20261221T090000$/m);
      expect(s.split('\n').filter((l) => l.startsWith('ATTENDEE')).length).toBeGreaterThanOrEqual(3);
      expect((await remoteFields('calendar', await hrefOf('calendar', newYork.id))).text).toMatch(/^DTSTART;TZID=America\/New_York:20261210T140000$/m);
      expect((await remoteFields('calendar', await hrefOf('calendar', auckland.id))).text).toMatch(/^DTSTART;TZID=Pacific\/Auckland:20261211T090000$/m);
      expect((await remoteFields('calendar', await hrefOf('calendar', allDay.id))).text).toMatch(/^DTSTART;VALUE=DATE:20261228$/m); // R3
    });

    it('events remote→CRM: an event PUT by another client enters with the user as attendee (I2); its X- properties survive', async () => {
      await putRaw(peer, phoneEventHref(), [
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Phone//Calendar//EN', 'BEGIN:VEVENT', 'UID:phone-event-uid',
        'DTSTAMP:20261120T100000Z', 'DTSTART:20261215T150000Z', 'DTEND:20261215T160000Z', 'SUMMARY:Call from the phone',
        'X-PHONE-COLOR:blue', 'END:VEVENT', 'END:VCALENDAR', '',
      ].join('\n'));
      await run('calendar');
      const a = await appointments.findBy(w.t.ctx, { uid: 'phone-event-uid' });
      expect(a).toMatchObject({ title: 'Call from the phone', timing: { allDay: false, start: at('2026-12-15T15:00:00Z') } });
      expect(a!.attendees).toEqual([expect.objectContaining({ kind: 'user', userId: w.alice.id })]);

      await appointments.update(w.t.ctx, a!.id, { location: 'Phone booth 3' }, SYSTEM);
      await run('calendar');
      const after = await remoteFields('calendar', phoneEventHref());
      expect(after.fields).toMatchObject({ location: 'Phone booth 3', title: 'Call from the phone' });
      expect(after.text).toContain('X-PHONE-COLOR:blue');
      expect(after.text).toContain(`X-CRMSYNC-ID:${a!.id}`);
      for (const line of after.text.split('\n').filter((l) => l.startsWith('ATTENDEE'))) expect(line).toContain('SCHEDULE-AGENT=CLIENT');
    });

    it('events: a server edit of the series reaches the CRM and keeps its exceptions (R2)', async () => {
      const href = await hrefOf('calendar', series.id);
      const r = await getRaw(peer, href);
      const edited = unfold(r.body).replace(/^SUMMARY:Team meeting$/m, 'SUMMARY:Weekly team meeting');
      expect(edited).toContain('SUMMARY:Weekly team meeting');
      await putRaw(peer, href, edited, { 'if-match': r.etag! });
      await run('calendar');
      const now = await appointments.get(w.t.ctx, series.id);
      expect(now.title).toBe('Weekly team meeting');
      expect(now.overrides).toEqual([expect.objectContaining({ recurrenceId: '20261214T090000', title: 'Team meeting (moved)' })]);
      expect(now.recurrence?.exdates).toEqual(['20261221T090000']);
      expect(now.attendees).toHaveLength(3); // attendees are not read back (projection.ts)
    });

    it('events: deleted on the server → cancelled in the CRM (X2); cancelled in the CRM → deleted on the server (X4)', async () => {
      const nyHref = await hrefOf('calendar', newYork.id);
      const akHref = await hrefOf('calendar', auckland.id);
      expect((await dav(peer, nyHref, 'DELETE')).status).toBeLessThan(300);
      await appointments.update(w.t.ctx, auckland.id, { status: 'cancelled' }, SYSTEM);
      await run('calendar');
      expect((await appointments.get(w.t.ctx, newYork.id)).status).toBe('cancelled');
      expect((await getRaw(peer, nyHref)).status).toBe(404);
      expect((await getRaw(peer, akHref)).status).toBe(404);
      expect(await appointments.find(w.t.ctx, auckland.id)).not.toBeNull();
      await noSyncDeletes();
    });

    // ---------------------------------------------------------------- tasks
    let contract: Task;
    let keys: Task;

    it('tasks both ways: CRM→remote, a VTODO PUT by another client (I3, X- kept), edits both ways', async () => {
      contract = await tasks.create(w.t.ctx, {
        title: 'Send contract', note: 'to the notary', due: at('2026-12-01T17:00:00Z'), start: at('2026-11-25T08:00:00Z'),
        priority: 1, status: 'in-process', percentComplete: 40, responsibleUserIds: [w.alice.id],
      }, SYSTEM);
      keys = await tasks.create(w.t.ctx, { title: 'Hand over keys', responsibleUserIds: [w.alice.id] }, SYSTEM);
      const phoneTask = `${peer.collections.tasks}phone-task.ics`;
      await putRaw(peer, phoneTask, [
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Phone//Reminders//EN', 'BEGIN:VTODO', 'UID:phone-task-uid',
        'DTSTAMP:20261120T100000Z', 'SUMMARY:Buy flowers', 'PRIORITY:5', 'STATUS:NEEDS-ACTION', 'X-APPLE-SORT-ORDER:42',
        'END:VTODO', 'END:VCALENDAR', '',
      ].join('\n'));
      const out = await run('tasks');
      expect(out.counts).toMatchObject({ created: 3 });
      for (const t of [contract, keys]) {
        expect((await remoteFields('tasks', await hrefOf('tasks', t.id))).fields).toEqual(project('tasks', await tasks.get(w.t.ctx, t.id)));
      }
      const flowers = await tasks.findBy(w.t.ctx, { uid: 'phone-task-uid' });
      expect(flowers).toMatchObject({ title: 'Buy flowers', priority: 5, responsibleUserIds: [w.alice.id] });

      // CRM edit → server, X- property kept.
      await tasks.update(w.t.ctx, flowers!.id, { status: 'completed', percentComplete: 100, completedAt: at('2026-11-22T08:00:00Z') }, SYSTEM);
      // Server edit → CRM.
      const href = await hrefOf('tasks', contract.id);
      const r = await getRaw(peer, href);
      const edited = unfold(r.body).replace(/^SUMMARY:Send contract$/m, 'SUMMARY:Send signed contract');
      expect(edited).toContain('SUMMARY:Send signed contract');
      await putRaw(peer, href, edited, { 'if-match': r.etag! });
      await run('tasks');
      const phone = await remoteFields('tasks', phoneTask);
      expect(phone.fields).toMatchObject({ status: 'completed', percentComplete: 100 });
      expect(phone.text).toContain('X-APPLE-SORT-ORDER:42');
      expect((await tasks.get(w.t.ctx, contract.id)).title).toBe('Send signed contract');
    });

    it('tasks: deleted on the server → cancelled when nobody else is responsible (X3); user removed in the CRM → deleted on the server (X4)', async () => {
      const contractHref = await hrefOf('tasks', contract.id);
      const keysHref = await hrefOf('tasks', keys.id);
      expect((await dav(peer, contractHref, 'DELETE')).status).toBeLessThan(300);
      await tasks.update(w.t.ctx, keys.id, { responsibleUserIds: [] }, SYSTEM);
      await run('tasks');
      expect(await tasks.get(w.t.ctx, contract.id)).toMatchObject({ status: 'cancelled' });
      expect((await getRaw(peer, keysHref)).status).toBe(404);
      expect(await tasks.find(w.t.ctx, keys.id)).not.toBeNull();
      await noSyncDeletes();
    });

    it('a further run of every unit changes nothing: no write either way, no new ETag on the server', async () => {
      const cols = [peer.collections.contacts, peer.collections.calendar, peer.collections.tasks];
      const before = await Promise.all(cols.map((c) => etags(peer, c)));
      const journalBefore = (await listJournal(w.t.ctx, { limit: 1 }))[0]?.id;
      for (const unit of ['contacts', 'calendar', 'tasks'] as Unit[]) {
        const out = await run(unit);
        expect(out.counts, unit).toEqual({ created: 0, updated: 0, deleted: 0, skipped: expect.any(Number), conflicts: 0 });
      }
      const after = await Promise.all(cols.map((c) => etags(peer, c)));
      expect(after).toEqual(before);
      if (kind === 'radicale') expect([...after[0]!.keys()].length).toBe(2); // Carla and the private friend, no more
      expect((await listJournal(w.t.ctx, { limit: 1 }))[0]?.id).toBe(journalBefore);
      // One remote copy per linked CRM record, in each collection.
      for (const [i, unit] of (['contacts', 'calendar', 'tasks'] as Unit[]).entries()) {
        const links = await allLinks(w.t.ctx, ch[unit]!);
        expect(new Set(links.map((l) => l.remoteHref)).size).toBe(links.length);
        for (const l of links) expect(after[i]!.has(decodeURIComponent(l.remoteHref))).toBe(true);
      }
    });

    it('H3: after a reset every unit relinks by M1 — nothing created, nothing duplicated, nothing deleted', async () => {
      const cols = [peer.collections.contacts, peer.collections.calendar, peer.collections.tasks];
      const units = ['contacts', 'calendar', 'tasks'] as Unit[];
      const before = await Promise.all(cols.map((c) => etags(peer, c)));
      const linksBefore = await Promise.all(units.map(async (u) => (await allLinks(w.t.ctx, ch[u]!)).map((l) => `${l.crmId} ${l.remoteHref}`).sort()));
      await resetTarget(w.t.ctx, (await getChannel(w.t.ctx, ch.contacts!)).targetId);
      for (const unit of units) {
        const out = await run(unit);
        expect(out.counts, unit).toMatchObject({ created: 0, deleted: 0 });
      }
      const after = await Promise.all(cols.map((c) => etags(peer, c)));
      expect(after.map((m) => [...m.keys()].sort())).toEqual(before.map((m) => [...m.keys()].sort()));
      const linksAfter = await Promise.all(units.map(async (u) => (await allLinks(w.t.ctx, ch[u]!)).map((l) => `${l.crmId} ${l.remoteHref}`).sort()));
      expect(linksAfter).toEqual(linksBefore);
      await noSyncDeletes();
    });
  });
}
