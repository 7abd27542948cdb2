// A DAV server on its own fastify instance over a fresh test database, and request helpers.
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { createTestCrm, type TestCrm } from '../helpers/databases.js';
import { registerDav, type DavOptions } from '../../src/dav/server.js';
import { createUser } from '../../src/crm/users.js';
import type { DialectName } from '../../src/store/db.js';
import type { User } from '../../src/domain/records.js';

export interface DavTestServer {
  t: TestCrm;
  app: FastifyInstance;
  alice: User;
  bob: User;
  request(method: string, url: string, opts?: { body?: string | Buffer; headers?: Record<string, string>; login?: string; password?: string }): Promise<{ status: number; body: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery';

export async function startDav(dialect: DialectName, options: DavOptions = {}): Promise<DavTestServer> {
  const t = await createTestCrm(dialect);
  const alice = await createUser(t.ctx, { username: 'alice', password: PASSWORD, displayName: 'Alice Adler', email: 'alice@example.com' });
  const bob = await createUser(t.ctx, { username: 'bob', password: PASSWORD, displayName: 'Bob Berg', email: 'bob@example.com' });
  const app = Fastify();
  await registerDav(app, { crm: t.ctx, logger: pino({ level: 'silent' }) }, { sleep: async () => undefined, ...options });
  await app.ready();
  return {
    t, app, alice, bob,
    async request(method, url, opts = {}) {
      const login = opts.login ?? 'alice_device=iPhone';
      const headers: Record<string, string> = {
        ...(login === '' ? {} : { authorization: `Basic ${Buffer.from(`${login}:${opts.password ?? PASSWORD}`).toString('base64')}` }),
        ...(opts.body !== undefined ? { 'content-type': 'application/xml; charset=utf-8' } : {}),
        ...opts.headers,
      };
      const res = await app.inject({ method: method as 'GET', url, headers, ...(opts.body !== undefined ? { payload: opts.body } : {}) });
      return { status: res.statusCode, body: res.body, headers: res.headers };
    },
    async close() {
      await app.close();
      await t.drop();
    },
  };
}

export const propfindBody = (...props: string[]) =>
  `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/" xmlns:ical="http://apple.com/ns/ical/"><d:prop>${props.map((p) => `<${p}/>`).join('')}</d:prop></d:propfind>`;

export function vcard(uid: string, fn: string, extra: string[] = []): string {
  const [given, family] = fn.split(' ');
  return ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `N:${family ?? ''};${given ?? ''};;;`, `FN:${fn}`, ...extra, 'END:VCARD', ''].join('\r\n');
}

export function vevent(uid: string, lines: string[], more: string[] = []): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T000000Z', ...lines, 'END:VEVENT', ...more, 'END:VCALENDAR', ''].join('\r\n');
}

/** The hrefs in a multistatus body with their status or propstat text, in order. */
export function hrefsIn(xml: string): string[] {
  return [...xml.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => m[1]!);
}
