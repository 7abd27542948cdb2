// Rights on every endpoint: admin-only resources, contact visibility (S1), ticks for others
// (A4) and the A5 mass update, sync settings of others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDepartment } from '../../src/crm/users.js';
import type { User } from '../../src/domain/records.js';
import { dialects } from '../helpers/databases.js';
import { createTestServer, person, type TestServer } from './helpers.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('rights on %s', (dialect) => {
  let t: TestServer;
  let alice: { user: User; auth: { authorization: string } };
  let bob: { user: User; auth: { authorization: string } };
  let carol: { user: User; auth: { authorization: string } };
  beforeAll(async () => {
    t = await createTestServer(dialect);
    const sales = await createDepartment(t.app.crm, 'Sales');
    const support = await createDepartment(t.app.crm, 'Support');
    alice = await t.userWithToken({ username: 'alice', password: 'alice-password', departmentId: sales.id });
    bob = await t.userWithToken({ username: 'bob', password: 'bob-password', departmentId: support.id });
    carol = await t.userWithToken({ username: 'carol', password: 'carol-password', departmentId: sales.id, rights: ['tick_for_others'] });
  });
  afterAll(async () => { await t.close(); });

  it('keeps user, group, department and webhook management for admins', async () => {
    for (const [method, url] of [['GET', '/api/users'], ['GET', '/api/groups'], ['GET', '/api/departments'], ['GET', '/api/webhooks'], ['GET', '/api/changes']] as const) {
      const res = await t.server.inject({ method, url, headers: alice.auth });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().type).toBe('urn:crmsync:problem:forbidden');
    }
    const create = await t.server.inject({ method: 'POST', url: '/api/users', headers: alice.auth, payload: { username: 'mallory' } });
    expect(create.statusCode).toBe(403);
    const users = await t.server.inject({ method: 'GET', url: '/api/users?limit=2', headers: t.adminAuth });
    expect(users.statusCode).toBe(200);
    expect(users.json().items.map((u: User) => u.username)).toEqual(['admin', 'alice']);
    expect(users.json().nextCursor).not.toBeNull();
  });

  it('manages users, groups and departments as admin', async () => {
    const u = await t.server.inject({ method: 'POST', url: '/api/users', headers: t.adminAuth, payload: { username: 'dave', password: 'dave-password', rights: ['view_all_contacts'] } });
    expect(u.statusCode).toBe(201);
    const dup = await t.server.inject({ method: 'POST', url: '/api/users', headers: t.adminAuth, payload: { username: 'dave' } });
    expect(dup.statusCode).toBe(409);
    const badName = await t.server.inject({ method: 'POST', url: '/api/users', headers: t.adminAuth, payload: { username: 'Dave Smith' } });
    expect(badName.json().errors[0].path).toBe('username');
    const disabled = await t.server.inject({ method: 'PATCH', url: `/api/users/${u.json().id}`, headers: t.adminAuth, payload: { disabled: true } });
    expect(disabled.json().disabled).toBe(true);
    const self = await t.server.inject({ method: 'PATCH', url: `/api/users/${t.admin.id}`, headers: t.adminAuth, payload: { isAdmin: false } });
    expect(self.statusCode).toBe(409);

    const g = await t.server.inject({ method: 'POST', url: '/api/groups', headers: t.adminAuth, payload: { name: 'Field team' } });
    expect(g.statusCode).toBe(201);
    const member = await t.server.inject({ method: 'PUT', url: `/api/groups/${g.json().id}/members/${alice.user.id}`, headers: t.adminAuth });
    expect(member.json().memberIds).toEqual([alice.user.id]);
    const byMember = await t.server.inject({ method: 'GET', url: `/api/groups?memberId=${alice.user.id}`, headers: t.adminAuth });
    expect(byMember.json().items).toHaveLength(1);
    expect((await t.server.inject({ method: 'DELETE', url: `/api/groups/${g.json().id}/members/${alice.user.id}`, headers: t.adminAuth })).json().memberIds).toEqual([]);
    expect((await t.server.inject({ method: 'DELETE', url: `/api/groups/${g.json().id}`, headers: t.adminAuth })).statusCode).toBe(204);

    const d = await t.server.inject({ method: 'POST', url: '/api/departments', headers: t.adminAuth, payload: { name: 'Back office' } });
    expect(d.statusCode).toBe(201);
    const list = await t.server.inject({ method: 'GET', url: '/api/departments?q=back', headers: t.adminAuth });
    expect(list.json().items.map((x: { name: string }) => x.name)).toEqual(['Back office']);
  });

  it('shows non-admins only the contacts they may see (S1)', async () => {
    const own = await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person('Own', 'Visibility', { responsibleUserId: alice.user.id }) });
    const colleague = await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person('Colleague', 'Visibility', { responsibleUserId: carol.user.id }) });
    const foreign = await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person('Foreign', 'Visibility', { responsibleUserId: bob.user.id }) });
    const list = await t.server.inject({ method: 'GET', url: '/api/contacts?q=visibility', headers: alice.auth });
    expect(list.json().items.map((c: { givenName: string }) => c.givenName)).toEqual(['Colleague', 'Own']);
    expect((await t.server.inject({ method: 'GET', url: `/api/contacts/${foreign.json().id}`, headers: alice.auth })).statusCode).toBe(404);
    expect((await t.server.inject({ method: 'PATCH', url: `/api/contacts/${foreign.json().id}`, headers: alice.auth, payload: { note: 'x' } })).statusCode).toBe(404);
    // Non-admins edit what they see.
    const edit = await t.server.inject({ method: 'PATCH', url: `/api/contacts/${own.json().id}`, headers: alice.auth, payload: { note: 'met at fair' } });
    expect(edit.statusCode).toBe(200);
    expect(edit.json().note).toBe('met at fair');
    expect(colleague.statusCode).toBe(201);
  });

  it('shows private appointments only to their participants (S4)', async () => {
    const timing = { allDay: true, startDate: '2026-12-01', endDate: '2026-12-02' };
    const secret = await t.server.inject({
      method: 'POST', url: '/api/appointments', headers: t.adminAuth,
      payload: { title: 'Doctor', timing, private: true, attendees: [{ kind: 'user', userId: bob.user.id }] },
    });
    const open = await t.server.inject({ method: 'POST', url: '/api/appointments', headers: t.adminAuth, payload: { title: 'Team day', timing } });
    const id = secret.json().id;
    expect((await t.server.inject({ method: 'GET', url: `/api/appointments/${id}`, headers: alice.auth })).statusCode).toBe(404);
    expect((await t.server.inject({ method: 'GET', url: `/api/appointments/${id}`, headers: bob.auth })).statusCode).toBe(200);
    const list = await t.server.inject({ method: 'GET', url: '/api/appointments', headers: alice.auth });
    expect(list.json().items.map((a: { id: string }) => a.id)).toEqual([open.json().id]);
  });

  it('lets users tick for themselves and needs tick_for_others for others (A4)', async () => {
    const c = (await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person('Tick', 'Me') })).json();
    const ownTick = await t.server.inject({ method: 'PUT', url: `/api/contacts/${c.id}/ticks/${alice.user.id}`, headers: alice.auth });
    expect(ownTick.json()).toEqual({ ticked: true, changed: true });
    expect((await t.server.inject({ method: 'PUT', url: `/api/contacts/${c.id}/ticks/${alice.user.id}`, headers: alice.auth })).json().changed).toBe(false);

    const forBob = await t.server.inject({ method: 'PUT', url: `/api/contacts/${c.id}/ticks/${bob.user.id}`, headers: alice.auth });
    expect(forBob.statusCode).toBe(403);
    const byCarol = await t.server.inject({ method: 'PUT', url: `/api/contacts/${c.id}/ticks/${bob.user.id}`, headers: carol.auth });
    expect(byCarol.json()).toEqual({ ticked: true, changed: true });
    const ticks = await t.server.inject({ method: 'GET', url: `/api/contacts/${c.id}/ticks`, headers: alice.auth });
    expect(ticks.json().userIds.sort()).toEqual([alice.user.id, bob.user.id].sort());
    expect((await t.server.inject({ method: 'DELETE', url: `/api/contacts/${c.id}/ticks/${bob.user.id}`, headers: alice.auth })).statusCode).toBe(403);
    expect((await t.server.inject({ method: 'DELETE', url: `/api/contacts/${c.id}/ticks/me`, headers: alice.auth })).json()).toEqual({ ticked: false, changed: true });
  });

  it('mass-updates ticks by filter under A4/A5', async () => {
    for (const n of ['One', 'Two', 'Three']) {
      await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person(n, 'Mass', { tags: ['mass'] }) });
    }
    const body = { userId: bob.user.id, ticked: true, filter: { tag: 'mass' } };
    expect((await t.server.inject({ method: 'POST', url: '/api/contacts/ticks', headers: alice.auth, payload: body })).statusCode).toBe(403);
    const ok = await t.server.inject({ method: 'POST', url: '/api/contacts/ticks', headers: carol.auth, payload: body });
    expect(ok.json()).toEqual({ changed: 3 });
    const self = await t.server.inject({ method: 'POST', url: '/api/contacts/ticks', headers: alice.auth, payload: { ticked: true, filter: { tag: 'mass' } } });
    expect(self.json()).toEqual({ changed: 3 });
    const ticked = await t.server.inject({ method: 'GET', url: `/api/contacts?tickedBy=${bob.user.id}&tag=mass`, headers: t.adminAuth });
    expect(ticked.json().items).toHaveLength(3);
    const bad = await t.server.inject({ method: 'POST', url: '/api/contacts/ticks', headers: carol.auth, payload: { ticked: 'yes', filter: {} } });
    expect(bad.json().errors[0].path).toBe('ticked');
  });

  it("changes one's own sync settings; only admins change others'", async () => {
    const own = await t.server.inject({ method: 'PATCH', url: '/api/users/me/settings', headers: alice.auth, payload: { pastDays: 14, contactTags: ['vip'] } });
    expect(own.statusCode).toBe(200);
    expect(own.json().settings).toMatchObject({ pastDays: 14, contactTags: ['vip'], contactKinds: ['person', 'company'] });
    const others = await t.server.inject({ method: 'PATCH', url: `/api/users/${bob.user.id}/settings`, headers: alice.auth, payload: { pastDays: 1 } });
    expect(others.statusCode).toBe(403);
    const admin = await t.server.inject({ method: 'PATCH', url: `/api/users/${bob.user.id}/settings`, headers: t.adminAuth, payload: { pastDays: 60 } });
    expect(admin.json().settings.pastDays).toBe(60);
    const invalid = await t.server.inject({ method: 'PATCH', url: '/api/users/me/settings', headers: alice.auth, payload: { pastDays: -1 } });
    expect(invalid.json().errors[0].path).toBe('pastDays');
  });
});
