// Change feed (devices' and targets' changes only), journal and undo by API (X5), per-user
// sync sets with changes since a revision and 410 for an expired one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, createContact, setTick } from '../../src/crm/contacts.js';
import { inTransaction } from '../../src/crm/context.js';
import { pruneChangeLog } from '../../src/crm/syncSets.js';
import type { Author } from '../../src/domain/authors.js';
import type { User } from '../../src/domain/records.js';
import { dialects } from '../helpers/databases.js';
import { createTestServer, person, type TestServer } from './helpers.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('change feed, journal and sync sets on %s', (dialect) => {
  let t: TestServer;
  let alice: { user: User; auth: { authorization: string } };
  const phone: Author = { kind: 'device', id: 'dev-1', label: 'alice_device=iPhone' };
  const m365: Author = { kind: 'target', id: 'tgt-1', label: 'alice / Microsoft 365' };
  beforeAll(async () => {
    t = await createTestServer(dialect);
    alice = await t.userWithToken({ username: 'alice', password: 'alice-password' });
  });
  afterAll(async () => { await t.close(); });

  it('serves changes made by devices and targets, not API pushes, in cursor order', async () => {
    const pushed = await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person('Pushed', 'ByCrm') });
    const fromPhone = await createContact(t.app.crm, person('From', 'Phone') as never, phone);
    await contacts.update(t.app.crm, pushed.json().id, { jobTitle: 'changed on Outlook' }, m365);
    await setTick(t.app.crm, fromPhone.id, alice.user.id, false, phone); // no tick to clear: nothing journaled

    const first = await t.server.inject({ method: 'GET', url: '/api/changes?after=0&limit=1', headers: t.adminAuth });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.changes).toHaveLength(1);
    expect(page1.changes[0]).toMatchObject({ recordKind: 'contact', recordId: fromPhone.id, action: 'create', author: phone });
    const second = await t.server.inject({ method: 'GET', url: `/api/changes?after=${page1.nextCursor}`, headers: t.adminAuth });
    const page2 = second.json();
    expect(page2.changes.map((c: { author: Author; action: string }) => [c.author.kind, c.action])).toEqual([['target', 'update']]);
    expect(page2.changes[0].after.jobTitle).toBe('changed on Outlook');
    const empty = await t.server.inject({ method: 'GET', url: `/api/changes?after=${page2.nextCursor}`, headers: t.adminAuth });
    expect(empty.json()).toEqual({ changes: [], nextCursor: page2.nextCursor });
    const bad = await t.server.inject({ method: 'GET', url: '/api/changes?after=abc', headers: t.adminAuth });
    expect(bad.json().errors[0].path).toBe('after');
  });

  it("lists a record's journal and undoes a change (X5)", async () => {
    const c = (await t.server.inject({ method: 'POST', url: '/api/contacts', headers: alice.auth, payload: person('Undo', 'Me') })).json();
    const changed = await contacts.update(t.app.crm, c.id, { familyName: 'Overwritten' }, phone);
    expect(changed.familyName).toBe('Overwritten');
    const journal = await t.server.inject({ method: 'GET', url: `/api/journal?recordKind=contact&recordId=${c.id}`, headers: alice.auth });
    const entries = journal.json().entries;
    expect(entries.map((e: { action: string; author: Author }) => [e.action, e.author.kind])).toEqual([['update', 'device'], ['create', 'token']]);

    const undo = await t.server.inject({ method: 'POST', url: `/api/journal/${entries[0].id}/undo`, headers: alice.auth });
    expect(undo.statusCode).toBe(200);
    expect(undo.json().entry).toMatchObject({ undoOf: entries[0].id, action: 'update' });
    const now = await t.server.inject({ method: 'GET', url: `/api/contacts/${c.id}`, headers: alice.auth });
    expect(now.json()).toMatchObject({ familyName: 'Me', version: 3 });
    const again = await t.server.inject({ method: 'POST', url: `/api/journal/${entries[0].id}/undo`, headers: alice.auth });
    expect(again.statusCode).toBe(409);
    expect((await t.server.inject({ method: 'POST', url: '/api/journal/999999/undo', headers: alice.auth })).statusCode).toBe(404);
    const whole = await t.server.inject({ method: 'GET', url: '/api/journal', headers: alice.auth });
    expect(whole.statusCode).toBe(400);
    expect((await t.server.inject({ method: 'GET', url: '/api/journal?limit=5', headers: t.adminAuth })).json().entries).toHaveLength(5);
  });

  it("lists the caller's sync sets and their changes; an expired revision is 410", async () => {
    const c = (await t.server.inject({ method: 'POST', url: '/api/contacts', headers: alice.auth, payload: person('In', 'Set') })).json();
    await t.server.inject({ method: 'PUT', url: `/api/contacts/${c.id}/ticks/${alice.user.id}`, headers: alice.auth });
    const list = await t.server.inject({ method: 'GET', url: '/api/collections', headers: alice.auth });
    const sets = list.json().items as { id: string; unit: string; revision: number; userId: string }[];
    expect(sets.map((s) => s.unit).sort()).toEqual(['calendar', 'contacts', 'tasks']);
    const contactSet = sets.find((s) => s.unit === 'contacts')!;
    expect(contactSet.userId).toBe(alice.user.id);

    const changes = await t.server.inject({ method: 'GET', url: `/api/collections/${contactSet.id}/changes?since=0`, headers: alice.auth });
    expect(changes.json()).toMatchObject({ revision: contactSet.revision, truncated: false });
    expect(changes.json().changes).toContainEqual(expect.objectContaining({ itemId: c.id, op: 'upsert' }));

    expect((await t.server.inject({ method: 'GET', url: `/api/collections?userId=${t.admin.id}`, headers: alice.auth })).statusCode).toBe(403);
    expect((await t.server.inject({ method: 'GET', url: `/api/collections/${contactSet.id}/changes`, headers: t.adminAuth })).statusCode).toBe(200);

    await t.server.inject({ method: 'DELETE', url: `/api/contacts/${c.id}/ticks/${alice.user.id}`, headers: alice.auth });
    await inTransaction(t.app.crm, (tx) => pruneChangeLog(tx, contactSet.id, { maxAgeMs: 365 * 86_400_000, maxCount: 0 }));
    const expired = await t.server.inject({ method: 'GET', url: `/api/collections/${contactSet.id}/changes?since=0`, headers: alice.auth });
    expect(expired.statusCode).toBe(410);
    expect(expired.json()).toMatchObject({ type: 'urn:crmsync:problem:expired-revision', status: 410 });
    expect(expired.json().oldestRevision).toBeGreaterThan(0);
    const future = await t.server.inject({ method: 'GET', url: `/api/collections/${contactSet.id}/changes?since=99999`, headers: alice.auth });
    expect(future.statusCode).toBe(400);
  });
});
