// Bulk import paths (issue 2 items 7 and 10): importContacts and importAppointments write the same
// records, journal entries, ticks and set memberships as the one-by-one path, in one transaction.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';
import { createUser } from '../../src/crm/users.js';
import { contacts, importContacts, listContacts, tickedUserIds } from '../../src/crm/contacts.js';
import { appointments, importAppointments } from '../../src/crm/appointments.js';
import { inTransaction } from '../../src/crm/context.js';
import { createGroup, setGroupMember } from '../../src/crm/groups.js';
import { listJournal } from '../../src/crm/journal.js';
import { changesSince, findCollection, listMembers } from '../../src/crm/syncSets.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { appointmentInputSchema, contactInputSchema } from '../../src/domain/schemas.js';
import type { Contact, User } from '../../src/domain/records.js';
import { draftContact } from '../../src/crm/rows.js';

const DIALECTS = await dialects();
const HOUR = 3_600_000;

describe.each(DIALECTS)('bulk import on %s', (dialect) => {
  let t: TestCrm;
  let alice: User;
  let bob: User;

  beforeEach(async () => {
    t = await createTestCrm(dialect);
    alice = await createUser(t.ctx, { username: 'alice', password: 'correct horse' });
    bob = await createUser(t.ctx, { username: 'bob', password: 'correct horse' });
  });
  afterEach(async () => t.drop());

  it('contacts: rows, tags, journal (create and tick), ticks and the user set, read back equal', async () => {
    const data = [
      { givenName: 'Eva', familyName: 'Roth', uid: 'c-1', tags: ['vip', 'vip', 'lead'], phones: [{ type: 'mobile' as const, value: ' +49 170 1 ' }] },
      { kind: 'company' as const, organization: 'Rossi S.r.l.', uid: 'c-2' },
      { givenName: 'Eva again', uid: 'c-1' },
      { givenName: 'No UID' },
    ].map((x) => draftContact(contactInputSchema.parse(x)));
    const result = await importContacts(t.ctx, data, SYSTEM, alice.id);
    expect(result.map((r) => r.matched)).toEqual([false, false, true, false]);
    expect(result[2]!.id).toBe(result[0]!.id);
    const stored = new Map<string, Contact>();
    for (const r of result) {
      stored.set(r.id, (await contacts.get(t.ctx, r.id))!);
      expect(await tickedUserIds(t.ctx, r.id)).toEqual([alice.id]);
    }
    const eva = stored.get(result[0]!.id)!;
    expect(eva).toMatchObject({ uid: 'c-1', givenName: 'Eva', familyName: 'Roth', tags: ['vip', 'lead'], version: 1, archived: false });
    expect(eva.phones).toEqual([{ type: 'mobile', value: '+49 170 1' }]);
    expect(stored.get(result[1]!.id)).toMatchObject({ kind: 'company', organization: 'Rossi S.r.l.' });
    expect(stored.get(result[3]!.id)!.uid).toBe(result[3]!.id);
    const journal = await listJournal(t.ctx, { limit: 100 });
    const created = journal.filter((j) => j.action === 'create');
    expect(created).toHaveLength(3);
    for (const j of created) expect(j.after).toEqual(stored.get(j.recordId));
    expect(journal.filter((j) => j.action === 'tick')).toHaveLength(3);
    const collection = (await findCollection(t.ctx, alice.id, 'contacts'))!;
    expect((await listMembers(t.ctx, collection.id)).map((m) => m.itemId).sort()).toEqual([...new Set(result.map((r) => r.id))].sort());
    const changes = await changesSince(t.ctx, collection.id, 0);
    expect(changes.changes).toHaveLength(3);
  });

  it('contacts: an imported contact reads back the same as one created through the API path', async () => {
    const input = {
      kind: 'person' as const, prefix: 'Dr.', givenName: 'Eva', familyName: 'Roth', organization: 'Roth GmbH', jobTitle: 'CEO',
      birthday: '--04-12', tags: ['b', 'a', 'b'], category: 'customer', note: 'multi\nline "quoted"',
      emails: [{ type: 'business' as const, value: 'eva@roth.example', preferred: true }], phones: [{ type: 'fax' as const, value: '+49 30 1' }],
      addresses: [{ type: 'business' as const, street: 'Hauptstr. 1', locality: 'Berlin', postalCode: '10115', country: 'DE' }],
    };
    const [imported] = await importContacts(t.ctx, [draftContact(contactInputSchema.parse({ ...input, uid: 'same-1' }))], SYSTEM, null);
    const created = await contacts.create(t.ctx, { ...input, uid: 'same-2' }, SYSTEM);
    const strip = ({ id: _i, uid: _u, createdAt: _c, updatedAt: _up, ...rest }: Contact) => rest;
    expect(strip((await contacts.get(t.ctx, imported!.id))!)).toEqual(strip(created));
    const listed = await listContacts(t.ctx, { q: 'roth' }, { limit: 10 });
    expect(listed.items.map((c) => c.uid).sort()).toEqual(['same-1', 'same-2']);
  });

  it('contacts: a second import matches, ticks only what is not ticked yet, for another user too', async () => {
    const data = [{ givenName: 'Eva', uid: 'c-1' }, { givenName: 'Nils', uid: 'c-2' }].map((x) => draftContact(contactInputSchema.parse(x)));
    await importContacts(t.ctx, data.slice(0, 1), SYSTEM, alice.id);
    const again = await importContacts(t.ctx, data, SYSTEM, alice.id);
    expect(again.map((r) => r.matched)).toEqual([true, false]);
    const ticks = (await listJournal(t.ctx, { limit: 100 })).filter((j) => j.action === 'tick');
    expect(ticks).toHaveLength(2);
    await importContacts(t.ctx, data, SYSTEM, bob.id);
    const bobs = (await findCollection(t.ctx, bob.id, 'contacts'))!;
    expect(await listMembers(t.ctx, bobs.id)).toHaveLength(2);
    expect((await findCollection(t.ctx, alice.id, 'contacts'))!.revision).toBe(2);
  });

  it('contacts: everything is written in the caller\'s transaction, and rolled back with it', async () => {
    const data = [{ givenName: 'Eva', uid: 'c-1', tags: ['x'] }].map((x) => draftContact(contactInputSchema.parse(x)));
    await expect(inTransaction(t.ctx, async (tx) => {
      await importContacts(tx, data, SYSTEM, alice.id);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await contacts.findBy(t.ctx, { uid: 'c-1' })).toBeNull();
    expect(await listJournal(t.ctx, { limit: 10 })).toEqual([]);
    const collection = await findCollection(t.ctx, alice.id, 'contacts');
    if (collection) expect(collection.revision).toBe(0);
    const again = await importContacts(t.ctx, data, SYSTEM, alice.id);
    expect(again[0]!.matched).toBe(false);
  });

  it('appointments: the same record, participants, journal and calendar sets as creating one by one', async () => {
    const team = await createGroup(t.ctx, 'Team');
    await setGroupMember(t.ctx, team.id, bob.id, true);
    const start = t.clock.now + 24 * HOUR;
    const input = (uid: string) => ({
      uid, title: `Viewing ${uid}`, timing: { allDay: false, start, end: start + HOUR, timeZone: 'Europe/Berlin' },
      attendees: [{ kind: 'user', userId: alice.id, role: 'required', status: 'accepted' }, { kind: 'group', groupId: team.id }],
      reminders: [{ minutesBefore: 15 }],
    });
    const single = await appointments.create(t.ctx, input('one-by-one'), SYSTEM);
    const [bulk] = await importAppointments(t.ctx, [appointmentInputSchema.parse(input('bulk'))], SYSTEM, alice.id);
    expect(bulk!.error).toBeNull();
    expect(bulk!.matched).toBe(false);
    const a = bulk!.appointment!;
    expect(await appointments.get(t.ctx, a.id)).toEqual(a);
    const { id: _i, uid: _u, title: _t, createdAt: _c, updatedAt: _up, ...rest } = a;
    const { id: _i2, uid: _u2, title: _t2, createdAt: _c2, updatedAt: _up2, ...restSingle } = single;
    expect(rest).toEqual(restSingle);
    for (const user of [alice, bob]) {
      const cal = (await findCollection(t.ctx, user.id, 'calendar'))!;
      expect((await listMembers(t.ctx, cal.id)).map((m) => m.itemId).sort()).toEqual([single.id, a.id].sort());
    }
    const participants = await t.ctx.db.selectFrom('appointment_participants').select(['kind', 'ref_id']).where('appointment_id', '=', a.id).orderBy('ref_id').execute();
    const participantsSingle = await t.ctx.db.selectFrom('appointment_participants').select(['kind', 'ref_id']).where('appointment_id', '=', single.id).orderBy('ref_id').execute();
    expect(participants).toEqual(participantsSingle);
    const journal = (await listJournal(t.ctx, { recordId: a.id, limit: 10 }));
    expect(journal.map((j) => j.action)).toEqual(['create']);
    expect(journal[0]!.after).toEqual(a);
  });

  it('appointments: a known UID is matched and gets the user; an unknown user fails only its entry', async () => {
    const start = t.clock.now + 24 * HOUR;
    const timing = { allDay: false as const, start, end: start + HOUR, timeZone: 'Europe/Rome' };
    const [first] = await importAppointments(t.ctx, [appointmentInputSchema.parse({ uid: 'a-1', timing, attendees: [{ kind: 'user', userId: alice.id }] })], SYSTEM, alice.id);
    const results = await importAppointments(t.ctx, [
      appointmentInputSchema.parse({ uid: 'a-1', timing }),
      appointmentInputSchema.parse({ uid: 'a-2', timing, attendees: [{ kind: 'user', userId: 'nobody' }] }),
      appointmentInputSchema.parse({ uid: 'a-3', timing, attendees: [{ kind: 'user', userId: bob.id }] }),
    ], SYSTEM, bob.id);
    expect(results.map((r) => [r.matched, r.error?.message ?? null])).toEqual([
      [true, null], [false, 'attendees: user nobody does not exist'], [false, null],
    ]);
    expect(results[0]!.appointment!.id).toBe(first!.appointment!.id);
    const updated = await appointments.get(t.ctx, first!.appointment!.id);
    expect(updated.attendees.map((x) => (x.kind === 'user' ? x.userId : x.kind))).toEqual([bob.id, alice.id]);
    expect(await appointments.findBy(t.ctx, { uid: 'a-2' })).toBeNull();
    const bobCal = (await findCollection(t.ctx, bob.id, 'calendar'))!;
    expect((await listMembers(t.ctx, bobCal.id)).map((m) => m.itemId).sort()).toEqual([first!.appointment!.id, results[2]!.appointment!.id].sort());
  });
});
