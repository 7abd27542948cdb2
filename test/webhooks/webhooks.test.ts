// Webhooks: signed deliveries of device/target changes to a local receiver, retry with backoff
// after a 500, giving up after 8 attempts, and the delivery log over the API.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contacts, createContact, setTick } from '../../src/crm/contacts.js';
import type { Author } from '../../src/domain/authors.js';
import { eventName, subscribes } from '../../src/webhooks/events.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/webhooks/sign.js';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, runWebhooks } from '../../src/webhooks/worker.js';
import { dialects } from '../helpers/databases.js';
import { createTestServer, person, type TestServer } from '../api/helpers.js';

const DIALECTS = await dialects();
const SECRET = 'a-shared-secret-of-the-receiver';
const phone: Author = { kind: 'device', id: 'dev-1', label: 'alice_device=iPhone' };

interface Received { headers: IncomingHttpHeaders; body: string }

describe.each(DIALECTS)('webhooks on %s', (dialect) => {
  let t: TestServer;
  let receiver: Server;
  let url: string;
  const received: Received[] = [];
  let answers: number[] = [];

  beforeAll(async () => {
    t = await createTestServer(dialect);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += String(c); });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answers.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
    await t.close();
  });
  beforeEach(async () => {
    received.length = 0;
    answers = [];
    await t.app.crm.db.deleteFrom('webhooks').execute();
  });

  const createHook = async (events: string[], secret?: string) => {
    const res = await t.server.inject({ method: 'POST', url: '/api/webhooks', headers: t.adminAuth, payload: { url, events, ...(secret ? { secret } : {}) } });
    expect(res.statusCode).toBe(201);
    return res.json() as { webhook: { id: string }; secret: string };
  };
  const deliveries = async (id: string) =>
    (await t.server.inject({ method: 'GET', url: `/api/webhooks/${id}/deliveries`, headers: t.adminAuth })).json().items as
      { status: string; attempts: number; lastStatusCode: number | null; nextAttemptAt: number | null; event: string }[];

  it('delivers signed device changes, retries after a 500 and logs each delivery', async () => {
    const { webhook, secret } = await createHook(['contact.*'], SECRET);
    expect(secret).toBe(SECRET);
    const stored = await t.app.crm.db.selectFrom('webhooks').select('secret_enc').executeTakeFirstOrThrow();
    expect(stored.secret_enc).not.toContain(SECRET);

    // An API push (token author) is not a change feed entry; the device's change is.
    await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person('Pushed', 'ByCrm') });
    const c = await createContact(t.app.crm, person('From', 'Phone') as never, phone);

    answers = [500];
    await runWebhooks(t.app.crm, t.app.keyring);
    expect(received).toHaveLength(1);
    let log = await deliveries(webhook.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, nextAttemptAt: t.clock.now + RETRY_DELAYS_MS[0]!, event: 'contact.created' });

    await runWebhooks(t.app.crm, t.app.keyring); // not due yet
    expect(received).toHaveLength(1);
    t.clock.now += RETRY_DELAYS_MS[0]!;
    await runWebhooks(t.app.crm, t.app.keyring);
    expect(received).toHaveLength(2);
    log = await deliveries(webhook.id);
    expect(log[0]).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, nextAttemptAt: null });

    const { headers, body } = received[1]!;
    expect(headers['content-type']).toBe('application/json');
    expect(headers[TIMESTAMP_HEADER]).toBe(String(Math.floor(t.clock.now / 1000)));
    expect(verifySignature(SECRET, String(headers[TIMESTAMP_HEADER]), body, String(headers[SIGNATURE_HEADER]))).toBe(true);
    expect(verifySignature('wrong-secret-wrong-secret', String(headers[TIMESTAMP_HEADER]), body, String(headers[SIGNATURE_HEADER]))).toBe(false);
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({ event: 'contact.created', occurredAt: c.createdAt, data: { recordKind: 'contact', recordId: c.id, action: 'create', author: phone } });
    expect(payload.id).toBe(received[0] && JSON.parse(received[0].body).id); // retries keep the delivery id
    expect(payload.data.after.givenName).toBe('From');
  });

  it('sends every change to "*" subscribers and filters by event name otherwise', async () => {
    const all = await createHook(['*']);
    const ticks = await createHook(['contact.ticked']);
    expect(all.secret).toMatch(/^whsec_/);
    const c = (await t.server.inject({ method: 'POST', url: '/api/contacts', headers: t.adminAuth, payload: person('Every', 'Change') })).json();
    await setTick(t.app.crm, c.id, t.admin.id, true, phone);
    await contacts.update(t.app.crm, c.id, { note: 'from phone' }, phone);
    await runWebhooks(t.app.crm, t.app.keyring);
    expect((await deliveries(all.webhook.id)).map((d) => d.event).sort()).toEqual(['contact.created', 'contact.ticked', 'contact.updated']);
    expect((await deliveries(ticks.webhook.id)).map((d) => d.event)).toEqual(['contact.ticked']);
    expect(received).toHaveLength(4);
  });

  it('gives up after 8 attempts and can send a failed delivery again', async () => {
    const { webhook } = await createHook(['contact.created']);
    await createContact(t.app.crm, person('Never', 'Arrives') as never, phone);
    answers = Array.from({ length: MAX_ATTEMPTS }, () => 503);
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await runWebhooks(t.app.crm, t.app.keyring);
      t.clock.now += 6 * 3_600_000;
    }
    const [failed] = await deliveries(webhook.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 8, lastStatusCode: 503, nextAttemptAt: null });
    expect(received).toHaveLength(8);

    const id = (await t.app.crm.db.selectFrom('webhook_deliveries').select('id').executeTakeFirstOrThrow()).id;
    const retry = await t.server.inject({ method: 'POST', url: `/api/webhooks/${webhook.id}/deliveries/${id}/retry`, headers: t.adminAuth });
    expect(retry.json()).toMatchObject({ status: 'pending', attempts: 0 });
    await runWebhooks(t.app.crm, t.app.keyring);
    expect((await deliveries(webhook.id))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('validates, pauses, updates and deletes webhooks (admin only)', async () => {
    const bad = await t.server.inject({ method: 'POST', url: '/api/webhooks', headers: t.adminAuth, payload: { url: 'ftp://x', events: ['contact.eaten'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['events.0', 'url']);
    const { webhook } = await createHook(['task.*']);
    const paused = await t.server.inject({ method: 'PATCH', url: `/api/webhooks/${webhook.id}`, headers: t.adminAuth, payload: { active: false } });
    expect(paused.json().active).toBe(false);
    const list = await t.server.inject({ method: 'GET', url: '/api/webhooks', headers: t.adminAuth });
    expect(list.json().items).toHaveLength(1);
    expect(JSON.stringify(list.json())).not.toContain('secret');
    expect((await t.server.inject({ method: 'DELETE', url: `/api/webhooks/${webhook.id}`, headers: t.adminAuth })).statusCode).toBe(204);
    expect((await t.server.inject({ method: 'GET', url: `/api/webhooks/${webhook.id}`, headers: t.adminAuth })).statusCode).toBe(404);
  });
});

describe('webhook events', () => {
  const entry = (kind: 'contact' | 'tick' | 'task', action: 'create' | 'update' | 'tick', author: Author['kind']) =>
    ({ recordKind: kind, action, author: { kind: author, id: null, label: '' } });
  it('names journal entries and matches subscriptions', () => {
    expect(eventName(entry('tick', 'tick', 'device'))).toBe('contact.ticked');
    expect(eventName(entry('task', 'update', 'device'))).toBe('task.updated');
    expect(subscribes(['contact.*'], entry('contact', 'update', 'target'))).toBe(true);
    expect(subscribes(['contact.*'], entry('contact', 'update', 'token'))).toBe(false);
    expect(subscribes(['*'], entry('contact', 'update', 'token'))).toBe(true);
    expect(subscribes(['task.created'], entry('task', 'update', 'device'))).toBe(false);
  });
});
