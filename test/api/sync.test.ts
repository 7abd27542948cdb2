// Targets and channels over the REST API (issue 4 items 1 and 3; A2, A3, A4, D2, H1, H2) against a
// real Radicale, on SQLite and PostgreSQL.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { peerAvailable, startPeer, type Peer } from '../helpers/peers.js';
import { createTestServer, type TestServer } from './helpers.js';
import { createContact } from '../../src/crm/contacts.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { dueChannelIds, runDueBatch } from '../../src/sync/engine/schedule.js';

const DIALECTS = await dialects();
const available = peerAvailable('radicale');

describe.skipIf(!available).each(DIALECTS)('sync API on %s', (dialect) => {
  let peer: Peer;
  let s: TestServer;
  beforeAll(async () => { peer = await startPeer('radicale'); });
  afterAll(async () => peer?.stop());
  beforeEach(async () => { s = await createTestServer(dialect); });
  afterEach(async () => s.close());

  const connect = (auth: { authorization: string }, body: Record<string, unknown>) =>
    s.server.inject({ method: 'POST', url: '/api/targets', headers: auth, payload: body });

  it('A2: connecting checks the credentials, stores them encrypted and never returns them', async () => {
    const { auth } = await s.userWithToken({ username: 'alice', password: 'alice password' });
    const wrong = await connect(auth, { url: peer.url, username: peer.username, password: 'nope' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().detail).toMatch(/rejected these credentials/);

    const ok = await connect(auth, { url: peer.url, username: peer.username, password: peer.password });
    expect(ok.statusCode).toBe(201);
    expect(ok.body).not.toContain(peer.password);
    expect(Object.keys(ok.json().bound).sort()).toEqual(['calendar', 'contacts', 'tasks']);
    const stored = await s.app.crm.db.selectFrom('targets').select('secret_enc').executeTakeFirstOrThrow();
    expect(stored.secret_enc).not.toContain(peer.password);
    const listed = await s.server.inject({ method: 'GET', url: '/api/targets', headers: auth });
    expect(listed.body).not.toContain(peer.password);
    expect(listed.json().items).toHaveLength(1);
  });

  it('A3: one remote account cannot be bound to two users', async () => {
    const a = await s.userWithToken({ username: 'alice', password: 'alice password' });
    const b = await s.userWithToken({ username: 'bob', password: 'bob password 1' });
    expect((await connect(a.auth, { url: peer.url, username: peer.username, password: peer.password })).statusCode).toBe(201);
    const second = await connect(b.auth, { url: peer.url, username: peer.username, password: peer.password });
    expect(second.statusCode).toBe(409);
  });

  it('A4: another user\'s sync needs sync_for_others', async () => {
    const a = await s.userWithToken({ username: 'alice', password: 'alice password' });
    const b = await s.userWithToken({ username: 'bob', password: 'bob password 1' });
    const res = await connect(b.auth, { userId: a.user.id, url: peer.url, username: peer.username, password: peer.password });
    expect(res.statusCode).toBe(403);
    expect((await s.server.inject({ method: 'GET', url: `/api/channels?userId=${a.user.id}`, headers: b.auth })).statusCode).toBe(403);
  });

  it('D2/H1/H2: "sync now" queues a manual run; the channel shows progress and the item its history', async () => {
    const { user, auth } = await s.userWithToken({ username: 'alice', password: 'alice password' });
    const c = await createContact(s.app.crm, { givenName: 'Api', familyName: 'Synced' }, SYSTEM, [user.id]);
    await connect(auth, { url: peer.url, username: peer.username, password: peer.password });
    const channels = (await s.server.inject({ method: 'GET', url: '/api/channels', headers: auth })).json().items as { id: string; unit: string }[];
    const contactsChannel = channels.find((ch) => ch.unit === 'contacts')!;
    const queued = await s.server.inject({ method: 'POST', url: `/api/channels/${contactsChannel.id}/sync`, headers: auth });
    expect(queued.statusCode).toBe(202);
    expect(await dueChannelIds(s.app.crm, s.clock.now)).toContain(contactsChannel.id);
    const out = await runDueBatch({ ctx: s.app.crm, keyring: s.app.keyring }, contactsChannel.id);
    expect(out).toMatchObject({ kind: 'done', counts: { created: 1 } });
    const after = (await s.server.inject({ method: 'GET', url: '/api/channels', headers: auth })).json().items.find((ch: { id: string }) => ch.id === contactsChannel.id);
    expect(after).toMatchObject({ status: 'idle', progress: { done: 1, total: 1 }, counts: { created: 1 } });
    const history = await s.server.inject({ method: 'GET', url: `/api/items/${c.id}/sync-history`, headers: auth });
    expect(history.json().items[0]).toMatchObject({ direction: 'to-remote', result: 'ok' });
    const runs = await s.server.inject({ method: 'GET', url: `/api/channels/${contactsChannel.id}/runs`, headers: auth });
    expect(runs.json().items[0]).toMatchObject({ trigger: 'manual', status: 'completed' });
  });
});
