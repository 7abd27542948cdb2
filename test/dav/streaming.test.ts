// Streamed 207 answers (issue 3 item 9; handlers/common.ts streamedMultistatus, server.ts send):
// an answer longer than two chunks arrives whole and well-formed, the same again when served
// from the kept response fragments; a short one goes out with a Content-Length; a failure
// before the first byte is an ordinary error answer, one after it is logged and the
// connection is closed (never a 207 that turns into an error).
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contacts, createContact } from '../../src/crm/contacts.js';
import { createUser } from '../../src/crm/users.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { registerDav } from '../../src/dav/server.js';
import { readXml } from '../../src/dav/xml/index.js';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';
import { PASSWORD } from './helpers.js';

const DIALECTS = await dialects();
const BOOK = '/dav/addressbooks/alice/contacts/';
const AUTH = `Basic ${Buffer.from(`alice_device=iPhone:${PASSWORD}`).toString('base64')}`;
const PROPFIND = '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/><d:resourcetype/></d:prop></d:propfind>';
const SYNC = '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>';
const multiget = (hrefs: string[]) => `<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</c:addressbook-multiget>`;
const N = 14;

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string; complete: boolean }

/** One request over a real socket; `complete` is false when the connection closed mid-body. */
function send(port: number, method: string, path: string, body: string, depth = '1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { authorization: AUTH, depth, 'content-type': 'application/xml' } }, (res) => {
      const parts: Buffer[] = [];
      let complete = false;
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => { complete = true; });
      res.on('close', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8'), complete: complete && res.complete }));
      res.on('error', () => undefined); // an aborted body: reported by `complete`
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** href → the response element's text, from a well-formed multistatus. */
function responses(xml: string): Map<string, string> {
  const root = readXml(xml)!;
  expect(root.name).toBe('multistatus');
  const out = new Map<string, string>();
  for (const r of root.children.filter((c) => c.name === 'response')) {
    const href = r.children.find((c) => c.name === 'href')!.text;
    expect(out.has(href), `${href} once`).toBe(false);
    out.set(href, JSON.stringify(r));
  }
  return out;
}

describe.each(DIALECTS)('streamed multistatus on %s', (dialect) => {
  let t: TestCrm;
  let app: FastifyInstance;
  let port: number;
  const errors: string[] = [];

  beforeEach(async () => {
    t = await createTestCrm(dialect);
    const alice = await createUser(t.ctx, { username: 'alice', password: PASSWORD, displayName: 'Alice Adler' });
    for (let i = 0; i < N; i++) await createContact(t.ctx, { givenName: `Given${i}`, familyName: `Family${i}`, category: 'customer' }, SYSTEM, [alice.id]);
    const logger = pino({ level: 'error' }, { write: (line: string) => { errors.push(JSON.parse(line).msg as string); } });
    errors.length = 0;
    app = Fastify();
    // Tiny chunks and batches: every listing here spans many chunks.
    await registerDav(app, { crm: t.ctx, logger }, { sleep: async () => undefined, limits: { streamChunkBytes: 1000, itemBatch: 3 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await app.close();
    await t.drop();
  });

  it('a listing longer than two chunks arrives whole, chunked, and the same again from the kept fragments', async () => {
    const cold = await send(port, 'PROPFIND', BOOK, PROPFIND);
    expect(cold.status).toBe(207);
    expect(cold.complete).toBe(true);
    expect(cold.headers['transfer-encoding']).toBe('chunked');
    expect(cold.headers['content-length']).toBeUndefined();
    const listing = responses(cold.body);
    expect(listing.size).toBe(N + 1);
    const warm = await send(port, 'PROPFIND', BOOK, PROPFIND);
    expect(warm.body).toBe(cold.body);

    const sync = await send(port, 'REPORT', BOOK, SYNC);
    expect(sync.complete).toBe(true);
    expect(responses(sync.body).size).toBe(N);
    expect(sync.body).toMatch(/<d:sync-token>[^<]+<\/d:sync-token><\/d:multistatus>$/);

    const items = [...listing.keys()].filter((h) => h !== BOOK);
    const mg = await send(port, 'REPORT', BOOK, multiget([...items, `${BOOK}missing.vcf`]));
    const got = responses(mg.body);
    expect(got.size).toBe(N + 1);
    expect(got.get(`${BOOK}missing.vcf`)).toContain('404');
    for (const h of items) expect(got.get(h)).toContain('BEGIN:VCARD');
    expect((await send(port, 'REPORT', BOOK, multiget([...items, `${BOOK}missing.vcf`]))).body).toBe(mg.body);
  });

  it('a short answer goes out whole with a Content-Length', async () => {
    const r = await send(port, 'PROPFIND', BOOK, PROPFIND, '0');
    expect(r.status).toBe(207);
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
    expect(responses(r.body).size).toBe(1);
  });

  it('a failure before the first byte is an ordinary error answer', async () => {
    vi.spyOn(contacts, 'getMany').mockRejectedValue(new Error('disk gone'));
    const r = await send(port, 'PROPFIND', BOOK, PROPFIND);
    expect(r.status).toBe(500);
    expect(r.body).not.toContain('multistatus');
    expect(errors).toContain('DAV request failed');
  });

  it('a failure after the first bytes is logged and closes the connection: the client sees a cut answer', async () => {
    const real = contacts.getMany.bind(contacts);
    let calls = 0;
    // Batches 1 and 2 fill the two chunks sent before committing; batch 4 fails.
    vi.spyOn(contacts, 'getMany').mockImplementation(async (ctx, ids) => {
      if (++calls === 4) throw new Error('disk gone');
      return real(ctx, ids);
    });
    const r = await send(port, 'PROPFIND', BOOK, PROPFIND);
    expect(r.status).toBe(207);
    expect(r.complete).toBe(false);
    expect(r.body).not.toContain('</d:multistatus>');
    expect(errors).toContain('DAV response failed after its first bytes; closing the connection');
  });
});
