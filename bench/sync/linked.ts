// A 10,000-item channel on a real server in seconds, for `bench/sync/run.ts peers-linked` (issue 4
// item 6): the CRM's contacts are rendered exactly as the connector would write them (same UID, our
// id in X-CRMSYNC-ID) and written straight into the server's storage by bench/dav/peers.ts
// (Radicale's filesystem layout, one git commit in Xandikos), under names of their own
// (`phone-<i>.vcf`, not the connector's `crmsync-<id>.vcf`), so the first sync must link them by
// M1 instead of creating them (M2 would not find them). Filling the servers through PUTs took
// 80–90 min per server at 10,000 (docs/benchmarks.md "Real servers at full size").
import { defaultDirectory } from '../../src/connectors/caldav/index.js';
import { writeItem } from '../../src/connectors/caldav/mapping.js';
import type { SyncedContact } from '../../src/connectors/types.js';
import { contacts } from '../../src/crm/contacts.js';
import { startBenchPeer, type BenchPeer, type PeerKind } from '../dav/peers.js';
import { processCpuSeconds } from './world.js';
import type { BenchCrm } from './world.js';

export interface LinkedPeer {
  peer: BenchPeer;
  /** Server root (the account URL for discovery). */
  url: string;
  /** Absolute URLs of the seeded items, in the order of the CRM ids given. */
  hrefs: string[];
}

/** Starts `kind` with the contacts `ids` of the CRM already in its address book. */
export async function startLinkedPeer(kind: PeerKind, crm: BenchCrm, ids: readonly string[]): Promise<LinkedPeer> {
  const items = new Map<string, string>();
  const now = Date.now();
  for (let i = 0; i < ids.length; i += 1000) {
    for (const c of await contacts.getMany(crm.ctx, ids.slice(i, i + 1000))) {
      const text = writeItem({ unit: 'contacts', record: c as unknown as SyncedContact }, { uid: c.uid, crmId: c.id, original: null, directory: defaultDirectory, now });
      items.set(`phone-${items.size}.vcf`, text);
    }
  }
  const peer = await startBenchPeer(kind, { contacts: items, events: new Map() });
  return { peer, url: new URL('/', peer.contacts).href, hrefs: [...items.keys()].map((name) => new URL(name, peer.contacts).href) };
}

async function call(peer: BenchPeer, method: string, url: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method, headers: { authorization: peer.auth, ...headers }, ...(body === undefined ? {} : { body }) });
  return { status: res.status, etag: res.headers.get('etag'), text: await res.text() };
}

/** Members of the address book as the server lists them (PROPFIND Depth 1). */
export async function countItems(peer: BenchPeer): Promise<number> {
  const r = await call(peer, 'PROPFIND', peer.contacts, '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>', { depth: '1', 'content-type': 'application/xml' });
  return [...r.text.matchAll(/<(?:[\w-]+:)?href>[^<]*\.vcf<\//g)].length;
}

/** 10 edits made "on a phone": the NOTE of 10 items replaced, each PUT with If-Match. */
export async function remoteEdits(peer: BenchPeer, hrefs: readonly string[], round: number): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const url = hrefs[(round * 101 + i * 17) % hrefs.length]!;
    const got = await call(peer, 'GET', url);
    if (got.status !== 200) throw new Error(`GET ${url}: ${got.status}`);
    const lines = got.text.replace(/\r\n[ \t]/g, '').split(/\r\n/).filter((l) => l !== '' && !/^NOTE[;:]/i.test(l));
    lines.splice(lines.findIndex((l) => /^END:VCARD$/i.test(l)), 0, `NOTE:phone edit ${round}.${i}`);
    const put = await call(peer, 'PUT', url, `${lines.join('\r\n')}\r\n`, { 'content-type': 'text/vcard; charset=utf-8', ...(got.etag ? { 'if-match': got.etag } : {}) });
    if (put.status >= 300) throw new Error(`PUT ${url}: ${put.status} ${put.text.slice(0, 200)}`);
  }
}

const NS = 'xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"';
const propfind = (props: string) => `<?xml version="1.0" encoding="utf-8"?>\n<D:propfind ${NS}><D:prop>${props}</D:prop></D:propfind>`;
const syncCollection = (token: string) => `<?xml version="1.0" encoding="utf-8"?>\n<D:sync-collection ${NS}><D:sync-token>${token}</D:sync-token>`
  + '<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>';

export interface RequestCost { request: string; wallMs: number; serverCpuMs: number }

/**
 * What each change-detection request costs the server on the unchanged collection, alone (median
 * of `runs`; server CPU from /proc/<pid>/stat, 10 ms ticks, so the median of several).
 */
export async function changeDetectionCosts(peer: BenchPeer, runs = 5): Promise<RequestCost[]> {
  const xml = { 'content-type': 'application/xml; charset=utf-8' };
  const tokenAnswer = await call(peer, 'PROPFIND', peer.contacts, propfind('<D:sync-token/>'), { ...xml, depth: '0' });
  const token = /sync-token>([^<]+)</.exec(tokenAnswer.text)?.[1] ?? '';
  const cases: [string, string, string][] = [
    ['PROPFIND Depth 0: displayname (the floor of any request on the collection)', 'PROPFIND', propfind('<D:displayname/>')],
    ['PROPFIND Depth 0: sync-token, supported-report-set (a no-change run now)', 'PROPFIND', propfind('<D:sync-token/><D:supported-report-set/>')],
    ['PROPFIND Depth 0: sync-token, getctag, supported-report-set (a no-change run before)', 'PROPFIND', propfind('<D:sync-token/><CS:getctag/><D:supported-report-set/>')],
    ['PROPFIND Depth 0: getctag', 'PROPFIND', propfind('<CS:getctag/>')],
    ['REPORT sync-collection with the current token', 'REPORT', syncCollection(token)],
  ];
  const out: RequestCost[] = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [request, method, body] of cases) {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < runs; i++) {
      const cpu0 = processCpuSeconds(peer.pid);
      const t0 = performance.now();
      const r = await call(peer, method, peer.contacts, body, { ...xml, depth: '0' });
      walls.push(performance.now() - t0);
      cpus.push((processCpuSeconds(peer.pid) - cpu0) * 1000);
      if (r.status !== 207) throw new Error(`${request}: ${r.status}`);
    }
    out.push({ request, wallMs: median(walls), serverCpuMs: median(cpus) });
  }
  return out;
}
