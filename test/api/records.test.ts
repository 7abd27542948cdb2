// REST CRUD of records: round trips, ETag/If-Match, validation that names the field and writes
// nothing, body limits and media types, keyset paging, idempotent upsert by external id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createTestServer, person, type TestServer } from './helpers.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('records API on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => { t = await createTestServer(dialect); });
  afterAll(async () => { await t.close(); });

  const journalCount = async () => Number((await t.app.crm.db.selectFrom('journal').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const contactCount = async () => Number((await t.app.crm.db.selectFrom('contacts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('creates, reads, patches, replaces and deletes a contact with ETags', async () => {
    const created = await t.server.inject({
      method: 'POST', url: '/api/contacts', headers: t.adminAuth,
      payload: person('Ada', 'Lovelace', { phones: [{ type: 'mobile', value: '+44 20 1234' }], tags: ['vip'] }),
    });
    expect(created.statusCode).toBe(201);
    const c = created.json();
    expect(created.headers.etag).toBe('"1"');
    expect(created.headers.location).toBe(`/api/contacts/${c.id}`);
    expect(c).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace', version: 1, tags: ['vip'] });

    const read = await t.server.inject({ method: 'GET', url: `/api/contacts/${c.id}`, headers: t.adminAuth });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(c);

    const patched = await t.server.inject({
      method: 'PATCH', url: `/api/contacts/${c.id}`, headers: { ...t.adminAuth, 'if-match': 'W/"1"' }, payload: { jobTitle: 'Analyst' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ jobTitle: 'Analyst', givenName: 'Ada', tags: ['vip'], version: 2 });
    expect(patched.headers.etag).toBe('"2"');

    const stale = await t.server.inject({
      method: 'PATCH', url: `/api/contacts/${c.id}`, headers: { ...t.adminAuth, 'if-match': '"1"' }, payload: { jobTitle: 'Lost update' },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');

    const replaced = await t.server.inject({
      method: 'PUT', url: `/api/contacts/${c.id}`, headers: { ...t.adminAuth, 'if-match': '"2"' },
      payload: { kind: 'company', organization: 'Analytical Engines Ltd' },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ kind: 'company', organization: 'Analytical Engines Ltd', givenName: '', tags: [], version: 3, uid: c.uid });

    expect((await t.server.inject({ method: 'DELETE', url: `/api/contacts/${c.id}`, headers: { ...t.adminAuth, 'if-match': '"2"' } })).statusCode).toBe(412);
    expect((await t.server.inject({ method: 'DELETE', url: `/api/contacts/${c.id}`, headers: { ...t.adminAuth, 'if-match': '"3"' } })).statusCode).toBe(204);
    const gone = await t.server.inject({ method: 'GET', url: `/api/contacts/${c.id}`, headers: t.adminAuth });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ type: 'urn:crmsync:problem:not-found', status: 404 });
  });

  it('round-trips appointments and tasks', async () => {
    const a = await t.server.inject({
      method: 'POST', url: '/api/appointments', headers: t.adminAuth,
      payload: {
        title: 'Viewing', timing: { allDay: false, start: t.clock.now + 3_600_000, end: t.clock.now + 7_200_000, timeZone: 'Europe/Berlin' },
        recurrence: { rrule: 'FREQ=WEEKLY;COUNT=3' }, attendees: [{ kind: 'user', userId: t.admin.id }],
      },
    });
    expect(a.statusCode).toBe(201);
    const appt = a.json();
    expect(appt.recurrence).toEqual({ rrule: 'FREQ=WEEKLY;COUNT=3', rdates: [], exdates: [] });
    const moved = await t.server.inject({ method: 'PATCH', url: `/api/appointments/${appt.id}`, headers: t.adminAuth, payload: { status: 'tentative' } });
    expect(moved.json()).toMatchObject({ status: 'tentative', title: 'Viewing', version: 2 });
    const list = await t.server.inject({ method: 'GET', url: `/api/appointments?participantId=${t.admin.id}`, headers: t.adminAuth });
    expect(list.json().items.map((x: { id: string }) => x.id)).toContain(appt.id);

    const task = await t.server.inject({ method: 'POST', url: '/api/tasks', headers: t.adminAuth, payload: { title: 'Call back', responsibleUserIds: [t.admin.id], priority: 1 } });
    expect(task.statusCode).toBe(201);
    const done = await t.server.inject({ method: 'PATCH', url: `/api/tasks/${task.json().id}`, headers: t.adminAuth, payload: { status: 'completed', percentComplete: 100 } });
    expect(done.json()).toMatchObject({ status: 'completed', percentComplete: 100, priority: 1 });
    const tasks = await t.server.inject({ method: 'GET', url: '/api/tasks?status=completed', headers: t.adminAuth });
    expect(tasks.json().items).toHaveLength(1);
  });

  it('answers 400 naming the field and writes nothing', async () => {
    const [journalBefore, contactsBefore] = [await journalCount(), await contactCount()];
    const bad = await t.server.inject({
      method: 'POST', url: '/api/contacts', headers: t.adminAuth,
      payload: person('Bad', 'Mail', { emails: [{ type: 'business', value: 'not-an-address' }] }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const problem = bad.json();
    expect(problem).toMatchObject({ type: 'urn:crmsync:problem:invalid-request', title: 'Bad Request', status: 400 });
    expect(problem.errors).toContainEqual({ path: 'emails.0.value', message: 'not an e-mail address' });

    // Passes the schema but fails inside the service (unknown user): the transaction rolls back.
    const unknownUser = await t.server.inject({
      method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person('No', 'Owner', { responsibleUserId: 'nobody' }),
    });
    expect(unknownUser.statusCode).toBe(400);
    expect(unknownUser.json().errors[0].path).toBe('responsibleUserId');

    const company = await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: { kind: 'company' } });
    expect(company.json().errors).toContainEqual({ path: 'organization', message: 'a company contact needs an organization name' });

    const unknownField = await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: { givenName: 'X', shoeSize: 44 } });
    expect(unknownField.statusCode).toBe(400);

    const badQuery = await t.server.inject({ method: 'GET', url: '/api/contacts?limit=0', headers: t.adminAuth });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().errors[0].path).toBe('limit');

    expect([await journalCount(), await contactCount()]).toEqual([journalBefore, contactsBefore]);
  });

  it('rejects malformed JSON, non-JSON bodies and bodies over 10 MB', async () => {
    const malformed = await t.server.inject({
      method: 'POST', url: '/api/contacts', headers: { ...t.adminAuth, 'content-type': 'application/json' }, payload: '{"givenName": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().type).toBe('urn:crmsync:problem:malformed-json');

    const xml = await t.server.inject({
      method: 'POST', url: '/api/contacts', headers: { ...t.adminAuth, 'content-type': 'application/xml' }, payload: '<contact/>',
    });
    expect(xml.statusCode).toBe(415);

    const huge = await t.server.inject({
      method: 'POST', url: '/api/contacts', headers: { ...t.adminAuth, 'content-type': 'application/json' },
      payload: JSON.stringify({ note: 'x'.repeat(11 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().status).toBe(413);
  });

  it('pages contact lists by keyset and filters them', async () => {
    for (const name of ['Berta', 'Carla', 'Dora', 'Emil', 'Fritz']) {
      await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person(name, 'Paging', { tags: ['paging'] }) });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/contacts?tag=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await t.server.inject({ method: 'GET', url, headers: t.adminAuth });
      expect(page.statusCode).toBe(200);
      const body = page.json();
      seen.push(...body.items.map((c: { givenName: string }) => c.givenName));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Berta', 'Carla', 'Dora', 'Emil', 'Fritz']);
    const q = await t.server.inject({ method: 'GET', url: '/api/contacts?q=dora', headers: t.adminAuth });
    expect(q.json().items.map((c: { givenName: string }) => c.givenName)).toEqual(['Dora']);
    const badCursor = await t.server.inject({ method: 'GET', url: '/api/contacts?cursor=nonsense', headers: t.adminAuth });
    expect(badCursor.statusCode).toBe(400);
  });

  it('upserts by external id idempotently', async () => {
    const body = person('Grace', 'Hopper', { emails: [{ type: 'business', value: 'grace@example.com' }], tags: ['navy', 'navy'] });
    const first = await t.server.inject({ method: 'PUT', url: '/api/contacts/by-external-id/ext-42', headers: t.adminAuth, payload: body });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ externalId: 'ext-42', version: 1 });
    const journalAfterFirst = await journalCount();

    const second = await t.server.inject({ method: 'PUT', url: '/api/contacts/by-external-id/ext-42', headers: t.adminAuth, payload: body });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(await journalCount()).toBe(journalAfterFirst);

    const changed = await t.server.inject({
      method: 'PUT', url: '/api/contacts/by-external-id/ext-42', headers: t.adminAuth, payload: { ...body, jobTitle: 'Rear Admiral' },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ id: first.json().id, jobTitle: 'Rear Admiral', version: 2 });
    expect(await journalCount()).toBe(journalAfterFirst + 1);

    const mismatch = await t.server.inject({
      method: 'PUT', url: '/api/contacts/by-external-id/ext-42', headers: t.adminAuth, payload: { ...body, externalId: 'other' },
    });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().errors[0].path).toBe('externalId');

    const task = { title: 'Follow up', priority: 5 };
    const t1 = await t.server.inject({ method: 'PUT', url: '/api/tasks/by-external-id/T-1', headers: t.adminAuth, payload: task });
    const t2 = await t.server.inject({ method: 'PUT', url: '/api/tasks/by-external-id/T-1', headers: t.adminAuth, payload: task });
    expect([t1.statusCode, t2.statusCode]).toEqual([201, 200]);
    expect(t2.json().version).toBe(1);
  });
});
