// Per-user sync sets (issue 2 item 4; SPEC S1–S5, X4, A4) on SQLite and PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';
import { createUser, updateUser, createDepartment } from '../../src/crm/users.js';
import { contacts, createContact, setTick, setTickByFilter } from '../../src/crm/contacts.js';
import { appointments } from '../../src/crm/appointments.js';
import { tasks } from '../../src/crm/tasks.js';
import { addColleagueCalendar, createGroup, setGroupMember } from '../../src/crm/groups.js';
import { changesSince, ensureCollection, findCollection, listMembers, pruneChangeLog, recordChanges } from '../../src/crm/syncSets.js';
import { expireWindows } from '../../src/crm/membership.js';
import { ExpiredRevisionError } from '../../src/domain/errors.js';
import { SYSTEM } from '../../src/domain/authors.js';
import type { Unit, User } from '../../src/domain/records.js';

const DIALECTS = await dialects();
const DAY = 86_400_000;

describe.each(DIALECTS)('sync sets on %s', (dialect) => {
  let t: TestCrm;
  let alice: User;
  let bob: User;

  beforeEach(async () => {
    t = await createTestCrm(dialect);
    alice = await createUser(t.ctx, { username: 'alice', password: 'correct horse' });
    bob = await createUser(t.ctx, { username: 'bob', password: 'correct horse' });
  });
  afterEach(async () => t.drop());

  async function members(userId: string, unit: Unit, owner = userId): Promise<string[]> {
    const c = await findCollection(t.ctx, userId, unit, owner);
    return c ? (await listMembers(t.ctx, c.id)).map((m) => m.itemId).sort() : [];
  }
  async function collectionId(userId: string, unit: Unit, owner = userId) {
    return (await ensureCollection(t.ctx, userId, unit, owner)).id;
  }

  it('S1: a contact enters a user set only when that user ticked it, and leaves when archived or unticked (S5, X4)', async () => {
    const c = await createContact(t.ctx, { givenName: 'Anna', familyName: 'Rossi' }, SYSTEM);
    expect(await members(alice.id, 'contacts')).toEqual([]);
    await setTick(t.ctx, c.id, alice.id, true, SYSTEM);
    expect(await members(alice.id, 'contacts')).toEqual([c.id]);
    expect(await members(bob.id, 'contacts')).toEqual([]);

    await contacts.update(t.ctx, c.id, { archived: true }, SYSTEM);
    expect(await members(alice.id, 'contacts')).toEqual([]);
    await contacts.update(t.ctx, c.id, { archived: false }, SYSTEM);
    expect(await members(alice.id, 'contacts')).toEqual([c.id]);
    await setTick(t.ctx, c.id, alice.id, false, SYSTEM);
    expect(await members(alice.id, 'contacts')).toEqual([]);
  });

  it('S1: filters on kind and tags decide membership, and changing them recomputes the set', async () => {
    const person = await createContact(t.ctx, { givenName: 'Max', familyName: 'Muster', tags: ['vip'] }, SYSTEM, [alice.id]);
    const company = await createContact(t.ctx, { kind: 'company', organization: 'Immobilien GmbH' }, SYSTEM, [alice.id]);
    expect(await members(alice.id, 'contacts')).toEqual([person.id, company.id].sort());
    await updateUser(t.ctx, alice.id, { settings: { contactKinds: ['company'] } });
    expect(await members(alice.id, 'contacts')).toEqual([company.id]);
    await updateUser(t.ctx, alice.id, { settings: { contactKinds: ['person', 'company'], contactTags: ['vip'] } });
    expect(await members(alice.id, 'contacts')).toEqual([person.id]);
  });

  it('S1: a user without view_all_contacts does not get contacts of another department, even ticked', async () => {
    const sales = await createDepartment(t.ctx, 'Sales');
    const rent = await createDepartment(t.ctx, 'Rentals');
    await updateUser(t.ctx, alice.id, { departmentId: sales.id });
    await updateUser(t.ctx, bob.id, { departmentId: rent.id });
    const c = await createContact(t.ctx, { givenName: 'Bea', responsibleUserId: bob.id }, SYSTEM, [alice.id]);
    expect(await members(alice.id, 'contacts')).toEqual([]);
    await updateUser(t.ctx, alice.id, { rights: ['view_all_contacts'] });
    expect(await members(alice.id, 'contacts')).toEqual([c.id]);
  });

  it('S2: appointments reach attendees directly and through groups; a group change adds and removes them', async () => {
    const team = await createGroup(t.ctx, 'Team');
    const start = t.clock.now + DAY;
    const a = await appointments.create(t.ctx, {
      title: 'Viewing', timing: { allDay: false, start, end: start + 3_600_000, timeZone: 'Europe/Berlin' },
      attendees: [{ kind: 'group', groupId: team.id }],
    }, SYSTEM);
    expect(await members(alice.id, 'calendar')).toEqual([]);
    await setGroupMember(t.ctx, team.id, alice.id, true);
    expect(await members(alice.id, 'calendar')).toEqual([a.id]);
    await setGroupMember(t.ctx, team.id, alice.id, false);
    expect(await members(alice.id, 'calendar')).toEqual([]);
    await appointments.update(t.ctx, a.id, { attendees: [{ kind: 'user', userId: bob.id }] }, SYSTEM);
    expect(await members(bob.id, 'calendar')).toEqual([a.id]);
  });

  it('S2/S5: the window keeps recent appointments, the periodic job removes passed ones, and that is no CRM deletion', async () => {
    const old = t.clock.now - 40 * DAY;
    const recent = t.clock.now - 10 * DAY;
    const mk = (start: number, title: string) => appointments.create(t.ctx, {
      title, timing: { allDay: false, start, end: start + 3_600_000, timeZone: 'Europe/Rome' }, attendees: [{ kind: 'user', userId: alice.id }],
    }, SYSTEM);
    const a1 = await mk(old, 'old');
    const a2 = await mk(recent, 'recent');
    expect(await members(alice.id, 'calendar')).toEqual([a2.id]);
    t.clock.now += 25 * DAY; // a2 now ended 35 days ago
    expect(await expireWindows(t.ctx)).toBe(1);
    expect(await members(alice.id, 'calendar')).toEqual([]);
    expect((await appointments.get(t.ctx, a2.id)).status).toBe('confirmed');
    expect(await appointments.find(t.ctx, a1.id)).not.toBeNull();
  });

  it('S2: a recurring series without end stays in the window', async () => {
    const start = t.clock.now - 400 * DAY;
    const a = await appointments.create(t.ctx, {
      title: 'Weekly', timing: { allDay: false, start, end: start + 3_600_000, timeZone: 'Europe/Berlin' },
      recurrence: { rrule: 'FREQ=WEEKLY', rdates: [], exdates: [] }, attendees: [{ kind: 'user', userId: alice.id }],
    }, SYSTEM);
    expect(await members(alice.id, 'calendar')).toEqual([a.id]);
  });

  it('S4/S5: a cancelled appointment leaves the set; a colleague calendar (A4) hides private appointments', async () => {
    const dep = await createDepartment(t.ctx, 'Brokers');
    await updateUser(t.ctx, alice.id, { departmentId: dep.id, rights: ['add_colleague_calendars'] });
    await updateUser(t.ctx, bob.id, { departmentId: dep.id });
    const start = t.clock.now + DAY;
    const timing = { allDay: false as const, start, end: start + 3_600_000, timeZone: 'Europe/Berlin' };
    const pub = await appointments.create(t.ctx, { title: 'Open house', timing, attendees: [{ kind: 'user', userId: bob.id }] }, SYSTEM);
    const priv = await appointments.create(t.ctx, { title: 'Dentist', timing, private: true, attendees: [{ kind: 'user', userId: bob.id }] }, SYSTEM);
    await addColleagueCalendar(t.ctx, alice.id, bob.id);
    expect(await members(alice.id, 'calendar', bob.id)).toEqual([pub.id]);
    expect(await members(bob.id, 'calendar')).toEqual([pub.id, priv.id].sort());
    await appointments.update(t.ctx, pub.id, { status: 'cancelled' }, SYSTEM);
    expect(await members(bob.id, 'calendar')).toEqual([priv.id]);
    expect(await members(alice.id, 'calendar', bob.id)).toEqual([]);
  });

  it('A4: adding a colleague calendar needs the right and the same department', async () => {
    await expect(addColleagueCalendar(t.ctx, alice.id, bob.id)).rejects.toThrow(/right/);
    await updateUser(t.ctx, alice.id, { rights: ['add_colleague_calendars'] });
    await expect(addColleagueCalendar(t.ctx, alice.id, bob.id)).rejects.toThrow(/department/);
  });

  it('S3: a task is in the sets of its responsible users', async () => {
    const task = await tasks.create(t.ctx, { title: 'Call back', responsibleUserIds: [alice.id, bob.id] }, SYSTEM);
    expect(await members(alice.id, 'tasks')).toEqual([task.id]);
    await tasks.update(t.ctx, task.id, { responsibleUserIds: [bob.id] }, SYSTEM);
    expect(await members(alice.id, 'tasks')).toEqual([]);
    expect(await members(bob.id, 'tasks')).toEqual([task.id]);
  });

  it('S5: disabling a user empties their sets', async () => {
    await createContact(t.ctx, { givenName: 'Zoe' }, SYSTEM, [alice.id]);
    await tasks.create(t.ctx, { title: 'x', responsibleUserIds: [alice.id] }, SYSTEM);
    await updateUser(t.ctx, alice.id, { disabled: true });
    expect(await members(alice.id, 'contacts')).toEqual([]);
    expect(await members(alice.id, 'tasks')).toEqual([]);
  });

  it('changes since a revision list upserts and removals once per item, in order', async () => {
    const cid = await collectionId(alice.id, 'contacts');
    const start = (await findCollection(t.ctx, alice.id, 'contacts'))!.revision;
    const c1 = await createContact(t.ctx, { givenName: 'One' }, SYSTEM, [alice.id]);
    const c2 = await createContact(t.ctx, { givenName: 'Two' }, SYSTEM, [alice.id]);
    await contacts.update(t.ctx, c1.id, { note: 'edited' }, SYSTEM);
    await setTick(t.ctx, c2.id, alice.id, false, SYSTEM);
    const r = await changesSince(t.ctx, cid, start);
    expect(r.changes.map((c) => [c.itemId, c.op])).toEqual([[c1.id, 'upsert'], [c2.id, 'remove']]);
    expect(r.truncated).toBe(false);
    const again = await changesSince(t.ctx, cid, r.revision);
    expect(again.changes).toEqual([]);
  });

  it('a limited change query returns the revision of the last change delivered, and continuing completes it', async () => {
    const cid = await collectionId(alice.id, 'contacts');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createContact(t.ctx, { givenName: `P${i}` }, SYSTEM, [alice.id])).id);
    const first = await changesSince(t.ctx, cid, 0, 2);
    expect(first.truncated).toBe(true);
    const rest = await changesSince(t.ctx, cid, first.revision);
    expect([...first.changes, ...rest.changes].map((c) => c.itemId)).toEqual(ids);
  });

  it('retention cuts one collection by count and age; an expired revision is a distinct error; other collections keep theirs', async () => {
    const cid = await collectionId(alice.id, 'contacts');
    const other = await collectionId(bob.id, 'contacts');
    await recordChanges(t.ctx, other, [{ itemId: 'x', op: 'upsert' }]);
    await recordChanges(t.ctx, cid, Array.from({ length: 10 }, (_, i) => ({ itemId: `i${i}`, op: 'upsert' as const })));
    const cut = await pruneChangeLog(t.ctx, cid, { maxAgeMs: 365 * DAY, maxCount: 4 });
    expect(cut).toBe(6);
    await expect(changesSince(t.ctx, cid, 5)).rejects.toBeInstanceOf(ExpiredRevisionError);
    expect((await changesSince(t.ctx, cid, 6)).changes.map((c) => c.itemId)).toEqual(['i6', 'i7', 'i8', 'i9']);
    expect((await changesSince(t.ctx, other, 0)).changes).toHaveLength(1);
    t.clock.now += 400 * DAY;
    await recordChanges(t.ctx, cid, [{ itemId: 'new', op: 'upsert' }]);
    expect(await pruneChangeLog(t.ctx, cid, { maxAgeMs: 365 * DAY, maxCount: 1000 })).toBe(10);
    expect((await changesSince(t.ctx, cid, 10)).changes.map((c) => c.itemId)).toEqual(['new']);
  });

  it('a revision never issued is refused, not answered with an empty list', async () => {
    const cid = await collectionId(alice.id, 'contacts');
    await expect(changesSince(t.ctx, cid, 999)).rejects.toThrow(/never issued/);
  });

  it('A5: mass update ticks every contact of a filter for a user, journaled, and clears them again', async () => {
    for (let i = 0; i < 30; i++) await createContact(t.ctx, { givenName: `C${i}`, tags: i % 2 ? ['lead'] : [] }, SYSTEM);
    expect(await setTickByFilter(t.ctx, { tag: 'lead' }, bob.id, true, SYSTEM)).toBe(15);
    expect(await members(bob.id, 'contacts')).toHaveLength(15);
    expect(await setTickByFilter(t.ctx, { tag: 'lead' }, bob.id, true, SYSTEM)).toBe(0);
    expect(await setTickByFilter(t.ctx, {}, bob.id, false, SYSTEM)).toBe(15);
    expect(await members(bob.id, 'contacts')).toEqual([]);
  });
});
