// Shared helpers for the engine's integration and fault tests against real servers (issue 4
// item 5): raw DAV requests as another client would send them, ETag listings, and a CRM with a
// user and a connected target.
import { randomBytes } from 'node:crypto';
import { createTestCrm, type TestCrm } from '../../helpers/databases.js';
import { createUser } from '../../../src/crm/users.js';
import { createKeyring, type Keyring } from '../../../src/security/keyring.js';
import { listChannels } from '../../../src/sync/engine/channels.js';
import type { EngineDeps } from '../../../src/sync/engine/run.js';
import type { Peer } from '../../helpers/peers.js';
import type { Unit, User } from '../../../src/domain/records.js';

export interface RawReply { status: number; etag: string | null; body: string }

/** A raw request as another client (a phone, the server's web UI) would send it. */
export async function dav(peer: Pick<Peer, 'username' | 'password'>, url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<RawReply> {
  const res = await fetch(url, {
    method, body,
    headers: { authorization: `Basic ${Buffer.from(`${peer.username}:${peer.password}`).toString('base64')}`, ...headers },
  });
  return { status: res.status, etag: res.headers.get('etag'), body: await res.text() };
}

export async function putRaw(peer: Peer, url: string, text: string, headers: Record<string, string> = {}): Promise<RawReply> {
  const type = url.endsWith('.vcf') ? 'text/vcard; charset=utf-8' : 'text/calendar; charset=utf-8';
  const r = await dav(peer, url, 'PUT', text.replace(/\r?\n/g, '\r\n'), { 'content-type': type, ...headers });
  if (r.status >= 300) throw new Error(`PUT ${url}: ${r.status} ${r.body}`);
  return r;
}

export async function getRaw(peer: Peer, url: string): Promise<RawReply> {
  return dav(peer, url, 'GET');
}

/** Every member of a collection with its ETag (PROPFIND Depth 1), keyed by absolute URL. */
export async function etags(peer: Peer, collection: string): Promise<Map<string, string>> {
  const r = await dav(peer, collection, 'PROPFIND',
    '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:resourcetype/></D:prop></D:propfind>',
    { depth: '1', 'content-type': 'application/xml' });
  if (r.status !== 207) throw new Error(`PROPFIND ${collection}: ${r.status}`);
  const out = new Map<string, string>();
  for (const m of r.body.matchAll(/<(?:\w+:)?response[\s>][\s\S]*?<\/(?:\w+:)?response>/g)) {
    const href = /<(?:\w+:)?href>([^<]+)</.exec(m[0])?.[1];
    const etag = /<(?:\w+:)?getetag>([^<]+)</.exec(m[0])?.[1];
    if (!href || !etag) continue;
    const url = new URL(href, collection).href;
    if (url !== collection) out.set(decodeURIComponent(url), etag.replace(/&quot;/g, '"'));
  }
  return out;
}

export interface World {
  t: TestCrm;
  alice: User;
  keyring: Keyring;
  deps: EngineDeps;
  channelOf(unit: Unit): Promise<string>;
}

export async function createWorld(): Promise<Omit<World, 'deps'> & { keyring: Keyring }> {
  const t = await createTestCrm('sqlite');
  const alice = await createUser(t.ctx, { username: 'alice', email: 'alice@crm.example' });
  const keyring = createKeyring(randomBytes(32));
  return {
    t, alice, keyring,
    channelOf: async (unit) => {
      const c = (await listChannels(t.ctx, { userId: alice.id })).find((x) => x.unit === unit);
      if (!c) throw new Error(`no ${unit} channel`);
      return c.id;
    },
  };
}

/** 1×1 transparent PNG. */
export const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
