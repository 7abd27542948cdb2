// The server around the API: OpenAPI document and docs page, /healthz, /metrics, problem+json
// for unknown routes, room for the DAV plugin's own body types, background work.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPlugin } from '../../src/api/plugin.js';
import { LoginLimiter } from '../../src/auth/limiter.js';
import { buildServer, startBackgroundWork } from '../../src/server.js';
import { dialects } from '../helpers/databases.js';
import { createTestServer, type TestServer } from './helpers.js';

const DIALECTS = await dialects();

type Op = { operationId: string; responses: Record<string, unknown>; security: unknown[] };

describe.each(DIALECTS)('server on %s', (dialect) => {
  let t: TestServer;
  beforeAll(async () => { t = await createTestServer(dialect); });
  afterAll(async () => { await t.close(); });

  it('documents every /api route in an OpenAPI 3.1 document with components', async () => {
    const res = await t.server.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body);
    expect(doc.openapi).toBe('3.1.0');
    for (const name of ['Contact', 'ContactInput', 'Appointment', 'Task', 'User', 'Problem', 'JournalEntry', 'Webhook']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    const ops: [string, string, Op][] = Object.entries(doc.paths as Record<string, Record<string, Op>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => [m, path, op] as [string, string, Op]));
    const ids = ops.map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['createContact', 'upsertContactByExternalId', 'setTick', 'setTicksByFilter', 'changeFeed', 'undoJournalEntry',
      'collectionChanges', 'createWebhook', 'listWebhookDeliveries', 'updateSyncSettings', 'me', 'login', 'listUsers', 'openApi', 'apiDocs']) {
      expect(ids, id).toContain(id);
    }
    // Documented by construction: every route the /api plugin registers is in the document.
    const registered: string[] = [];
    const probe = Fastify();
    probe.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') registered.push(`${m.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    });
    await probe.register(apiPlugin, { prefix: '/api', app: t.app, limiter: new LoginLimiter(), version: 'test' });
    await probe.ready();
    expect(ops.map(([m, path]) => `${m} ${path}`).sort()).toEqual(registered.sort());
    await probe.close();
    for (const [m, path, op] of ops) expect(op.security.length === 0 || op.responses['401'] !== undefined, `${m} ${path}`).toBe(true);
    const upsert = doc.paths['/api/contacts/by-external-id/{externalId}'].put;
    expect(upsert.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ContactInput');
    expect(upsert.responses['400'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    expect(doc.paths['/api/contacts'].get.parameters.map((p: { name: string }) => p.name)).toContain('cursor');
  });

  it('serves a self-contained docs page', async () => {
    const res = await t.server.inject({ method: 'GET', url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('upsertContactByExternalId');
    expect(res.body).not.toMatch(/<script|https?:\/\/cdn/i);
  });

  it('reports health and metrics', async () => {
    expect((await t.server.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    await t.server.inject({ method: 'GET', url: '/api/me', headers: t.adminAuth });
    const metrics = await t.server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/crmsync_http_requests_total\{method="GET",route="\/api\/me",status="200"\} 1/);
    expect(metrics.body).toContain('crmsync_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('crmsync_process_cpu_user_seconds_total');
  });

  it('answers 503 from /healthz when the database is gone', async () => {
    const other = await createTestServer(dialect);
    await other.app.database.close();
    const res = await other.server.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    await other.server.close();
  });

  it('answers unknown API routes and missing credentials with problem+json', async () => {
    const unknown = await t.server.inject({ method: 'GET', url: '/api/nothing-here', headers: t.adminAuth });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    const anon = await t.server.inject({ method: 'GET', url: '/api/contacts' });
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('leaves XML, iCalendar and vCard bodies to the DAV plugin', async () => {
    const server = await buildServer(t.app, {
      registerDav: async (f) => {
        await f.register(async (dav) => {
          dav.addContentTypeParser(['application/xml', 'text/calendar', 'text/vcard'], { parseAs: 'string' }, (_r, body, done) => done(null, body));
          dav.put('/dav/item', async (request) => ({ got: request.body, type: request.headers['content-type'] }));
        });
      },
    });
    for (const type of ['application/xml', 'text/calendar', 'text/vcard']) {
      const res = await server.inject({ method: 'PUT', url: '/dav/item', headers: { 'content-type': type }, payload: 'BEGIN:X' });
      expect(res.json(), type).toEqual({ got: 'BEGIN:X', type });
    }
    const api = await server.inject({ method: 'POST', url: '/api/contacts', headers: { ...t.adminAuth, 'content-type': 'text/vcard' }, payload: 'BEGIN:VCARD' });
    expect(api.statusCode).toBe(415);
    await server.close();
  });

  it('runs and stops the background work', async () => {
    const stop = startBackgroundWork(t.app, { webhookIntervalMs: 10 });
    await new Promise((r) => setTimeout(r, 100));
    await stop();
    expect(t.logs.join('')).not.toContain('background job failed');
  });
});
