// CalDAV/CardDAV benchmark (issue 3 item 9): crmsync side by side with Radicale and Xandikos on
// this machine, same data, one run. `npx tsx bench/dav/run.ts [--quick] [--save-peers F | --peers F]
// [--peers-only]` prints the Markdown for
// docs/benchmarks.md ("CalDAV/CardDAV server (issue 3)").
//
// Each server runs in its own process on 127.0.0.1 and is driven over HTTP/1.1 keep-alive by
// this process. Every figure is the median of several runs after one warm-up request (Radicale
// builds its item cache and Xandikos its index on first access; crmsync fills its render cache).
// Data: 10,000 contacts and 10,000 events (10 % weekly recurring), the same records everywhere:
// crmsync loads them through its services, the peers get crmsync's renders written into their
// storage. crmsync alone: incremental sync-collection at 1,000, 10,000 and 50,000 contacts, and
// the serving process's peak RSS (VmHWM) at 50,000. crmsync is served from the compiled build
// (`npm run build` into dist/, as `npm start` runs it: no TypeScript loader in the process);
// `--tsx` serves the sources under tsx instead.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/peers.js';
import { benchAppointments, benchContacts, icsText, vcardText } from './data.js';
import { CLIENT, request as httpRequest, type Answer } from './client.js';
import { startBenchPeer, type PeerKind } from './peers.js';

const QUICK = process.argv.includes('--quick');
const N = QUICK ? 2_000 : 10_000;
const FLAT_SIZES = QUICK ? [1_000, 5_000] : [1_000, 10_000, 50_000];
const RUNS = QUICK ? 3 : 5;
const CONCURRENCY = 8;
const THROUGHPUT_REQUESTS = 400;
const THROUGHPUT_MAX_MS = 20_000;
const out = (s: string) => process.stdout.write(`${s}\n`);
const note = (s: string) => process.stderr.write(`${new Date().toISOString()} ${s}\n`);

interface Server {
  name: string;
  pid: number;
  auth: string;
  contacts: string;
  calendar: string;
  stop(): Promise<void>;
}

// ---- HTTP

const request = (srv: Server, method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> =>
  httpRequest(method, url, { authorization: srv.auth, ...headers }, body);

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const w = performance.now();
  await fn(); // warm-up
  // A server taking seconds per request is timed once (the warm-up already showed the order).
  const n = performance.now() - w > 3000 ? 1 : runs;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const responses = (xml: string) => [...xml.matchAll(/<(?:[\w-]+:)?response[\s>]/g)].length;
const hrefsOf = (xml: string) => [...xml.matchAll(/<(?:[\w-]+:)?href>([^<]*)<\/(?:[\w-]+:)?href>/g)].map((m) => m[1]!);
const tokenOf = (xml: string) => /<(?:[\w-]+:)?sync-token>([^<]*)</.exec(xml)?.[1] ?? '';

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"';
const PROPFIND = `<?xml version="1.0"?><d:propfind ${NS}><d:prop><d:getetag/><d:getcontenttype/><d:resourcetype/></d:prop></d:propfind>`;
const syncBody = (token: string) => `<?xml version="1.0"?><d:sync-collection ${NS}><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
const multigetBody = (hrefs: string[]) => `<?xml version="1.0"?><card:addressbook-multiget ${NS}><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</card:addressbook-multiget>`;
const monthQuery = `<?xml version="1.0"?><c:calendar-query ${NS}><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20270301T000000Z" end="20270401T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;

// ---- one server's figures

interface Figures {
  propfind: number; propfindItems: number;
  multiget: number; multigetItems: number;
  syncInitial: number; syncInitialItems: number;
  syncIncremental: number; syncIncrementalItems: number;
  query: number; queryItems: number;
  throughput: number;
  rssMiB: number;
}

async function changeOneContact(srv: Server, href: string): Promise<void> {
  const url = new URL(href, srv.contacts).href;
  const got = await request(srv, 'GET', url);
  if (got.status !== 200) throw new Error(`${srv.name}: GET ${url} → ${got.status}`);
  const lines = got.text.replace(/\r\n[ \t]/g, '').split(/\r\n/).filter((l) => l !== '' && !/^TITLE[;:]/i.test(l));
  const end = lines.findIndex((l) => /^END:VCARD$/i.test(l));
  lines.splice(end, 0, `TITLE:Changed ${Date.now()}`);
  const etag = got.headers.get('etag');
  const put = await request(srv, 'PUT', url, `${lines.join('\r\n')}\r\n`, { 'content-type': 'text/vcard; charset=utf-8', ...(etag ? { 'if-match': etag } : {}) });
  if (put.status >= 300) throw new Error(`${srv.name}: PUT ${url} → ${put.status} ${put.text}`);
}

function vmHwmMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function throughput(srv: Server, body: string): Promise<number> {
  let started = 0;
  let done = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < THROUGHPUT_REQUESTS && performance.now() - t0 < THROUGHPUT_MAX_MS) {
      started++;
      const r = await request(srv, 'REPORT', srv.contacts, body, { depth: '1' });
      if (r.status !== 207) throw new Error(`${srv.name}: throughput sync → ${r.status}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return done / ((performance.now() - t0) / 1000);
}

async function measure(srv: Server): Promise<Figures> {
  note(`measuring ${srv.name}`);
  let listing = '';
  const propfind = await median(RUNS, async () => {
    const r = await request(srv, 'PROPFIND', srv.contacts, PROPFIND, { depth: '1' });
    if (r.status !== 207) throw new Error(`${srv.name}: PROPFIND → ${r.status}`);
    listing = r.text;
  });
  const collectionPath = new URL(srv.contacts).pathname;
  const itemHrefs = hrefsOf(listing).filter((h) => new URL(h, srv.contacts).pathname !== collectionPath);
  const sample = itemHrefs.slice(0, 1000);
  let multigetItems = 0;
  const multiget = await median(RUNS, async () => {
    const r = await request(srv, 'REPORT', srv.contacts, multigetBody(sample), { depth: '1' });
    if (r.status !== 207) throw new Error(`${srv.name}: multiget → ${r.status}`);
    multigetItems = responses(r.text);
  });
  let token = '';
  let syncInitialItems = 0;
  const syncInitial = await median(RUNS, async () => {
    const r = await request(srv, 'REPORT', srv.contacts, syncBody(''), { depth: '1' });
    if (r.status !== 207) throw new Error(`${srv.name}: initial sync → ${r.status}`);
    token = tokenOf(r.text);
    syncInitialItems = responses(r.text);
  });
  await changeOneContact(srv, itemHrefs[Math.floor(itemHrefs.length / 2)]!);
  let syncIncrementalItems = 0;
  const syncIncremental = await median(RUNS * 2, async () => {
    const r = await request(srv, 'REPORT', srv.contacts, syncBody(token), { depth: '1' });
    if (r.status !== 207) throw new Error(`${srv.name}: incremental sync → ${r.status} ${r.text.slice(0, 300)}`);
    syncIncrementalItems = responses(r.text);
  });
  let queryItems = 0;
  const query = await median(RUNS, async () => {
    const r = await request(srv, 'REPORT', srv.calendar, monthQuery, { depth: '1' });
    if (r.status !== 207) throw new Error(`${srv.name}: calendar-query → ${r.status} ${r.text.slice(0, 300)}`);
    queryItems = responses(r.text);
  });
  const rps = await throughput(srv, syncBody(token));
  return {
    propfind, propfindItems: itemHrefs.length, multiget, multigetItems, syncInitial, syncInitialItems,
    syncIncremental, syncIncrementalItems, query, queryItems, throughput: rps, rssMiB: vmHwmMiB(srv.pid),
  };
}

// ---- crmsync in its own processes

const TSX = process.argv.includes('--tsx');

function serveNode(args: string[]): ChildProcess {
  const serve = TSX
    ? ['--import', 'tsx', join(import.meta.dirname, 'crmsyncServe.ts')]
    : [join(import.meta.dirname, 'serveBuilt.mjs'), join(import.meta.dirname, '../../dist')];
  return spawn(process.execPath, [...serve, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function startCrmsync(contacts: number, events: number): Promise<Server & { loadSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'crmsync-bench-dav-'));
  const file = join(dir, 'crmsync.db');
  const loaded = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crmsyncLoad.ts'), file, String(contacts), String(events)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  const loadSeconds = (JSON.parse(loaded.trim().split('\n').pop()!) as { seconds: number }).seconds;
  const port = await freePort();
  const child = serveNode([file, String(port)]);
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (b: Buffer) => { buf += b.toString(); if (buf.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`crmsync server exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}/`;
  return {
    name: 'crmsync', pid: child.pid!, loadSeconds,
    auth: `Basic ${Buffer.from('alice_device=bench:wonderland').toString('base64')}`,
    contacts: `${url}dav/addressbooks/alice/contacts/`,
    calendar: `${url}dav/calendars/alice/calendar/`,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- main

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const started = new Date();
const load0 = loadavg();
out(`Run ${started.toISOString()} · \`npx tsx bench/dav/run.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` · node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM · load average at start ${load0.map((l) => l.toFixed(2)).join(' / ')} (machine shared with other sessions)`);
out(`Radicale ${execFileSync('/usr/bin/python3', ['-c', 'import radicale; print(radicale.VERSION)'], { encoding: 'utf8' }).trim()}, Xandikos ${execFileSync('/usr/bin/xandikos', ['--version'], { encoding: 'utf8' }).trim().split(/\s+/).pop()}; crmsync on SQLite, ${process.argv.includes('--tsx') ? 'sources under tsx' : 'compiled build (dist/)'}.`);
out('');

note(`generating ${N} contacts and ${N} events`);
const contactData = benchContacts(N);
const appts = benchAppointments(N);
const peerData = {
  contacts: new Map(contactData.map((d, i) => [`${d.uid ?? `c${i}`}.vcf`, vcardText(d, i)])),
  events: new Map(appts.map((a) => [`${a.uid}.ics`, icsText(a)])),
};

// `--peers FILE` reuses the peers' figures of an earlier run of this machine (written by
// `--save-peers FILE`), so crmsync can be re-measured after a change without an hour of peers.
const arg = (name: string) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1] : undefined; };
const results = new Map<string, Figures>();
const peersFile = arg('--peers');
if (peersFile) {
  const saved = JSON.parse(readFileSync(peersFile, 'utf8')) as { date: string; client?: string; figures: Record<string, Figures> };
  out(`Peers' figures from ${peersFile} (measured ${saved.date} on this machine with the ${saved.client ?? 'fetch'} client; crmsync now with ${CLIENT}).`);
  out('');
  for (const [k, v] of Object.entries(saved.figures)) results.set(k, v);
} else {
  for (const kind of ['radicale', 'xandikos'] as PeerKind[]) {
    note(`starting ${kind}`);
    const peer = await startBenchPeer(kind, peerData);
    try {
      results.set(kind, await measure({ name: kind, ...peer }));
    } finally {
      await peer.stop();
    }
  }
  const save = arg('--save-peers');
  if (save) writeFileSync(save, JSON.stringify({ date: started.toISOString(), n: N, client: CLIENT, figures: Object.fromEntries(results) }, null, 1));
  if (process.argv.includes('--peers-only')) process.exit(0);
}
if (!TSX) {
  note('building dist/ (npm run build)');
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: join(import.meta.dirname, '../..'), stdio: 'inherit' });
}
note('loading crmsync');
const crm = await startCrmsync(N, N);
try {
  results.set('crmsync', await measure(crm));
} finally {
  await crm.stop();
}

const rows: [string, keyof Figures, keyof Figures | null, boolean][] = [
  ['PROPFIND depth 1, address book (ms)', 'propfind', 'propfindItems', false],
  ['addressbook-multiget of 1,000 (ms)', 'multiget', 'multigetItems', false],
  ['sync-collection, initial (ms)', 'syncInitial', 'syncInitialItems', false],
  ['sync-collection, incremental after one change (ms)', 'syncIncremental', 'syncIncrementalItems', false],
  ['calendar-query, one month of 10,000 events (ms)', 'query', 'queryItems', false],
  [`incremental sync-collection, ${CONCURRENCY} concurrent clients (req/s)`, 'throughput', null, true],
  ['peak RSS of the server process (MiB)', 'rssMiB', null, false],
];
const r = (k: string) => results.get(k)!;
out(`| ${N.toLocaleString('en')} contacts / ${N.toLocaleString('en')} events | Radicale | Xandikos | crmsync | crmsync vs faster peer |`);
out('|---|---:|---:|---:|---:|');
for (const [label, key, count, higherBetter] of rows) {
  const cell = (k: string) => {
    const v = r(k)[key];
    const text = key === 'throughput' || key === 'rssMiB' ? v.toFixed(key === 'throughput' && v < 10 ? 1 : 0) : fmtMs(v);
    return count ? `${text} (${r(k)[count]})` : text;
  };
  const best = higherBetter ? Math.max(r('radicale')[key], r('xandikos')[key]) : Math.min(r('radicale')[key], r('xandikos')[key]);
  const mine = r('crmsync')[key];
  const factor = higherBetter ? mine / best : best / mine;
  out(`| ${label} | ${cell('radicale')} | ${cell('xandikos')} | ${cell('crmsync')} | ${factor.toFixed(1)}× |`);
}
out('');
out('(n) after a time: the number of `response` elements in the answer, the same work on every server.');
out('');

// Incremental sync-collection flat in the collection size, and peak RSS at the largest size.
out('| crmsync, address book of | load (s) | incremental sync-collection after one change (ms) | initial sync-collection (ms) | PROPFIND depth 1 (ms) | peak RSS of the server (MiB) |');
out('|---:|---:|---:|---:|---:|---:|');
for (const size of FLAT_SIZES) {
  note(`crmsync with ${size} contacts`);
  const srv = await startCrmsync(size, 0);
  try {
    const f = await measure(srv);
    out(`| ${size.toLocaleString('en')} | ${srv.loadSeconds.toFixed(1)} | ${fmtMs(f.syncIncremental)} | ${fmtMs(f.syncInitial)} | ${fmtMs(f.propfind)} | ${f.rssMiB.toFixed(0)} |`);
  } finally {
    await srv.stop();
  }
}
const load1 = loadavg();
out('');
out(`Finished ${new Date().toISOString()} (${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min); load average at end ${load1.map((l) => l.toFixed(2)).join(' / ')}.`);
