// Colleagues' calendars over the API (SPEC A4) on SQLite and PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createTestServer, type TestServer } from './helpers.js';
import { createDepartment } from '../../src/crm/users.js';
import { findCollection } from '../../src/crm/syncSets.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('colleague calendars on %s', (dialect) => {
  let s: TestServer;
  beforeEach(async () => { s = await createTestServer(dialect); });
  afterEach(async () => s.close());

  it('A4: adding needs the right and the same department; the calendar then exists for the viewer and can be removed', async () => {
    const sales = await createDepartment(s.app.crm, 'Sales');
    const other = await createDepartment(s.app.crm, 'Rentals');
    const alice = await s.userWithToken({ username: 'alice', password: 'alice password', departmentId: sales.id });
    const bob = await s.userWithToken({ username: 'bob', password: 'bob password 1', departmentId: sales.id });
    const carol = await s.userWithToken({ username: 'carol', password: 'carol password', departmentId: other.id, rights: ['add_colleague_calendars'] });

    const add = (who: { auth: { authorization: string } }, viewer: string, ownerId: string) =>
      s.server.inject({ method: 'POST', url: `/api/users/${viewer}/colleague-calendars`, headers: who.auth, payload: { ownerId } });

    const noRight = await add(alice, 'me', bob.user.id);
    expect(noRight.statusCode).toBe(403);
    expect(noRight.json().detail).toMatch(/right/);
    expect((await add(carol, 'me', bob.user.id)).json().detail).toMatch(/department/);
    expect((await add(bob, alice.user.id, bob.user.id)).statusCode).toBe(403); // someone else's list

    const granted = await s.server.inject({ method: 'PATCH', url: `/api/users/${alice.user.id}`, headers: s.adminAuth, payload: { rights: ['add_colleague_calendars'] } });
    expect(granted.statusCode).toBe(200);
    expect((await add(alice, 'me', bob.user.id)).statusCode).toBe(204);
    const listed = await s.server.inject({ method: 'GET', url: '/api/users/me/colleague-calendars', headers: alice.auth });
    expect(listed.json().items).toEqual([bob.user.id]);
    expect(await findCollection(s.app.crm, alice.user.id, 'calendar', bob.user.id)).not.toBeNull();

    const removed = await s.server.inject({ method: 'DELETE', url: `/api/users/me/colleague-calendars/${bob.user.id}`, headers: alice.auth });
    expect(removed.statusCode).toBe(204);
    expect(await findCollection(s.app.crm, alice.user.id, 'calendar', bob.user.id)).toBeNull();
  });
});
