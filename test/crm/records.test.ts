// Records, validation, journal and undo (issue 2 items 2, 5, 9; SPEC X1–X3, X5) on both databases.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';
import { createUser } from '../../src/crm/users.js';
import { contacts, createContact, importContacts, listContacts, setTick, tickedUserIds } from '../../src/crm/contacts.js';
import { appointments, applyAppointmentDeletion } from '../../src/crm/appointments.js';
import { applyTaskDeletion, tasks } from '../../src/crm/tasks.js';
import { createGroup, setGroupMember } from '../../src/crm/groups.js';
import { listJournal } from '../../src/crm/journal.js';
import { undoJournalEntry } from '../../src/crm/undo.js';
import { CrmError } from '../../src/domain/errors.js';
import { SYSTEM, type Author } from '../../src/domain/authors.js';
import { contactInputSchema } from '../../src/domain/schemas.js';
import { draftContact } from '../../src/crm/rows.js';
import type { User } from '../../src/domain/records.js';

const DIALECTS = await dialects();
const iphone: Author = { kind: 'device', id: 'dev-1', label: 'alice_device=iPhone' };

describe.each(DIALECTS)('records on %s', (dialect) => {
  let t: TestCrm;
  let alice: User;
  let bob: User;

  beforeEach(async () => {
    t = await createTestCrm(dialect);
    alice = await createUser(t.ctx, { username: 'alice', password: 'correct horse' });
    bob = await createUser(t.ctx, { username: 'bob', password: 'correct horse' });
  });
  afterEach(async () => t.drop());

  it('keeps every contact field through a write and a read', async () => {
    const c = await createContact(t.ctx, {
      kind: 'company', organization: 'Immobilien Schmidt GmbH', givenName: 'Jana', familyName: 'Schmidt',
      phones: [{ type: 'business', value: '+49 241 123' }, { type: 'mobile', value: '+49 170 1' }],
      emails: [{ type: 'business', value: 'jana@schmidt.example' }],
      addresses: [{ type: 'business', street: 'Markt 1', locality: 'Aachen', region: 'NRW', postalCode: '52062', country: 'DE' }],
      birthday: '--03-15', tags: ['vip', 'vip', 'lead'], category: 'customer', responsibleUserId: alice.id,
      photo: { mediaType: 'image/jpeg', data: 'AAAA' },
    }, SYSTEM);
    const read = await contacts.get(t.ctx, c.id);
    expect(read).toEqual(c);
    expect(read.tags).toEqual(['vip', 'lead']);
    expect(read.version).toBe(1);
  });

  it('rejects bad input naming the field, and writes nothing', async () => {
    const before = await listJournal(t.ctx, { limit: 1000 });
    const bad = createContact(t.ctx, { givenName: 'X', emails: [{ type: 'business', value: 'not an address' }] }, SYSTEM);
    await expect(bad).rejects.toMatchObject({ code: 'invalid', issues: [{ path: 'emails.0.value' }] });
    await expect(createContact(t.ctx, { kind: 'company' }, SYSTEM)).rejects.toMatchObject({ issues: [{ path: 'organization' }] });
    await expect(appointments.create(t.ctx, { timing: { allDay: false, start: 10, end: 5, timeZone: 'Europe/Berlin' } }, SYSTEM))
      .rejects.toMatchObject({ code: 'invalid', issues: [{ path: 'timing.end' }] });
    await expect(appointments.create(t.ctx, { timing: { allDay: false, start: 1, end: 5, timeZone: 'Mars/Olympus' } }, SYSTEM))
      .rejects.toMatchObject({ code: 'invalid' });
    await expect(tasks.create(t.ctx, { title: 'x', responsibleUserIds: ['nobody'] }, SYSTEM)).rejects.toMatchObject({ code: 'invalid', issues: [{ path: 'responsibleUserIds' }] });
    expect((await listContacts(t.ctx, {}, { limit: 10 })).items).toEqual([]);
    expect(await listJournal(t.ctx, { limit: 1000 })).toEqual(before);
  });

  it('a stale writer gets a conflict instead of overwriting (optimistic concurrency)', async () => {
    const c = await createContact(t.ctx, { givenName: 'Ugo' }, SYSTEM);
    await contacts.update(t.ctx, c.id, { note: 'first' }, SYSTEM, { expectedVersion: 1 });
    await expect(contacts.update(t.ctx, c.id, { note: 'second' }, SYSTEM, { expectedVersion: 1 })).rejects.toMatchObject({ code: 'conflict' });
    expect((await contacts.get(t.ctx, c.id)).note).toBe('first');
  });

  it('a UID or external id can belong to one record only', async () => {
    await createContact(t.ctx, { givenName: 'A', uid: 'same', externalId: 'crm-1' }, SYSTEM);
    await expect(createContact(t.ctx, { givenName: 'B', uid: 'same' }, SYSTEM)).rejects.toMatchObject({ code: 'conflict' });
    await expect(createContact(t.ctx, { givenName: 'B', externalId: 'crm-1' }, SYSTEM)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('X5: every change is journaled with its author, before and after, and an update can be undone', async () => {
    const c = await createContact(t.ctx, { givenName: 'Lia', note: 'original' }, SYSTEM);
    await contacts.update(t.ctx, c.id, { note: 'changed on the phone' }, iphone);
    const [entry] = await listJournal(t.ctx, { recordKind: 'contact', recordId: c.id, limit: 1 });
    expect(entry).toMatchObject({ action: 'update', author: iphone, before: { note: 'original' }, after: { note: 'changed on the phone' } });
    const undo = await undoJournalEntry(t.ctx, entry!.id, SYSTEM);
    expect(undo.undoOf).toBe(entry!.id);
    expect((await contacts.get(t.ctx, c.id)).note).toBe('original');
    await expect(undoJournalEntry(t.ctx, entry!.id, SYSTEM)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('X5: undo refuses when the record changed later, and can bring back a deleted record with its id', async () => {
    const c = await createContact(t.ctx, { givenName: 'Rita' }, SYSTEM);
    await contacts.update(t.ctx, c.id, { note: 'a' }, iphone);
    const [first] = await listJournal(t.ctx, { recordKind: 'contact', recordId: c.id, limit: 1 });
    await contacts.update(t.ctx, c.id, { note: 'b' }, SYSTEM);
    await expect(undoJournalEntry(t.ctx, first!.id, SYSTEM)).rejects.toMatchObject({ code: 'conflict' });
    await contacts.delete(t.ctx, c.id, SYSTEM);
    const [del] = await listJournal(t.ctx, { recordKind: 'contact', recordId: c.id, limit: 1 });
    await undoJournalEntry(t.ctx, del!.id, SYSTEM);
    expect((await contacts.get(t.ctx, c.id)).note).toBe('b');
  });

  it('X1/X5: a device removing the tick is journaled and undoing it ticks again', async () => {
    const c = await createContact(t.ctx, { givenName: 'Tom' }, SYSTEM, [alice.id]);
    await setTick(t.ctx, c.id, alice.id, false, iphone);
    expect(await tickedUserIds(t.ctx, c.id)).toEqual([]);
    const [entry] = await listJournal(t.ctx, { recordKind: 'tick', recordId: c.id, limit: 1 });
    expect(entry).toMatchObject({ action: 'untick', subjectUserId: alice.id, author: iphone });
    await undoJournalEntry(t.ctx, entry!.id, SYSTEM);
    expect(await tickedUserIds(t.ctx, c.id)).toEqual([alice.id]);
  });

  it('X2: deleting on a device removes only that user when others attend, cancels when alone, restores a group appointment (G1)', async () => {
    const start = t.clock.now + 86_400_000;
    const timing = { allDay: false as const, start, end: start + 3_600_000, timeZone: 'Europe/Berlin' };
    const shared = await appointments.create(t.ctx, { title: 'Notary', timing, attendees: [{ kind: 'user', userId: alice.id }, { kind: 'user', userId: bob.id }] }, SYSTEM);
    expect(await applyAppointmentDeletion(t.ctx, shared.id, alice.id, iphone)).toEqual({ kind: 'remove-attendee' });
    const after = await appointments.get(t.ctx, shared.id);
    expect(after.attendees).toEqual([{ kind: 'user', userId: bob.id, role: 'required', status: 'needs-action' }]);
    expect(after.status).toBe('confirmed');

    const alone = await appointments.create(t.ctx, { title: 'Dentist', timing, attendees: [{ kind: 'user', userId: alice.id }] }, SYSTEM);
    expect(await applyAppointmentDeletion(t.ctx, alone.id, alice.id, iphone)).toEqual({ kind: 'cancel' });
    expect((await appointments.get(t.ctx, alone.id)).status).toBe('cancelled');

    const team = await createGroup(t.ctx, 'Team');
    await setGroupMember(t.ctx, team.id, alice.id, true);
    const group = await appointments.create(t.ctx, { title: 'Team meeting', timing, attendees: [{ kind: 'group', groupId: team.id }] }, SYSTEM);
    expect((await applyAppointmentDeletion(t.ctx, group.id, alice.id, iphone)).kind).toBe('restore');
    expect((await appointments.get(t.ctx, group.id)).version).toBe(group.version);
  });

  it('X3: deleting a task on a device removes the user from it; the last one out cancels it', async () => {
    const task = await tasks.create(t.ctx, { title: 'Send offer', responsibleUserIds: [alice.id, bob.id] }, SYSTEM);
    expect((await applyTaskDeletion(t.ctx, task.id, alice.id, iphone)).responsibleUserIds).toEqual([bob.id]);
    const last = await applyTaskDeletion(t.ctx, task.id, bob.id, iphone);
    expect(last).toMatchObject({ responsibleUserIds: [], status: 'cancelled' });
    expect(await tasks.find(t.ctx, task.id)).not.toBeNull();
  });

  it('import matches an existing UID instead of duplicating, and ticks for the user', async () => {
    const data = [{ givenName: 'Eva', uid: 'u-1' }, { givenName: 'Nils', uid: 'u-2' }, { givenName: 'Eva again', uid: 'u-1' }]
      .map((x) => draftContact(contactInputSchema.parse(x)));
    const first = await importContacts(t.ctx, data, SYSTEM, alice.id);
    expect(first.map((r) => r.matched)).toEqual([false, false, true]);
    const second = await importContacts(t.ctx, data, SYSTEM, alice.id);
    expect(second.every((r) => r.matched)).toBe(true);
    const listed = await listContacts(t.ctx, { tickedBy: alice.id }, { limit: 10 });
    expect(listed.items.map((c) => c.givenName).sort()).toEqual(['Eva', 'Nils']);
  });

  it('lists contacts by filter in pages without gaps or repeats', async () => {
    for (let i = 0; i < 25; i++) await createContact(t.ctx, { givenName: `Name${String(i).padStart(2, '0')}`, category: i % 5 === 0 ? 'broker' : 'customer' }, SYSTEM);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listContacts(t.ctx, { category: 'customer' }, { limit: 7, cursor });
      seen.push(...page.items.map((c) => c.givenName));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
    expect(seen).toEqual([...seen].sort());
    await expect(listContacts(t.ctx, {}, { limit: 5, cursor: 'garbage' })).rejects.toBeInstanceOf(CrmError);
  });
});
