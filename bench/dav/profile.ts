// Profiles the crmsync DAV server on the benchmark's requests: loads N contacts and events, serves
// them, sends each request kind RUNS times (after one warm-up) and prints the hottest functions
// (self time) of the server process during the timed requests. Usage: npx tsx bench/dav/profile.ts [N] [RUNS] [kinds]
// The loaded database is kept in /tmp/crmsync-davbench/profile-N.db for the next profile.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/peers.js';

const N = Number(process.argv[2] ?? 5000);
const RUNS = Number(process.argv[3] ?? 10);
const KINDS = (process.argv[4] ?? 'propfind,multiget,sync,incremental,query').split(',');
const dir = mkdtempSync(join(tmpdir(), 'crmsync-prof-'));
const file = join(dir, 'crmsync.db');
const kept = `/tmp/crmsync-davbench/profile-${N}.db`;
if (!existsSync(kept)) {
  mkdirSync('/tmp/crmsync-davbench', { recursive: true });
  execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crmsyncLoad.ts'), `${kept}.tmp`, String(N), String(N)], { stdio: 'inherit' });
  copyFileSync(`${kept}.tmp`, kept);
  rmSync(`${kept}.tmp`);
}
copyFileSync(kept, file);
const port = await freePort();
const profileFile = join(dir, 'server.cpuprofile');
const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crmsyncServe.ts'), file, String(port)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CRMSYNC_PROFILE: profileFile } });
const said = (word: string) => new Promise<void>((r) => { const on = (b: Buffer) => { if (b.toString().includes(word)) { child.stdout!.off('data', on); r(); } }; child.stdout!.on('data', on); });
await said('ready');
const base = `http://127.0.0.1:${port}/dav/`;
const auth = { authorization: `Basic ${Buffer.from('alice_device=prof:wonderland').toString('base64')}` };
const req = async (method: string, url: string, body: string, depth = '1') => {
  const r = await fetch(url, { method, headers: { ...auth, depth, 'content-type': 'application/xml' }, body });
  return r.text();
};
const book = `${base}addressbooks/alice/contacts/`;
const cal = `${base}calendars/alice/calendar/`;
const listing = await req('PROPFIND', book, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>');
const hrefs = [...listing.matchAll(/<d:href>([^<]+\.vcf)<\/d:href>/g)].map((m) => m[1]!).slice(0, 1000);
const initial = await req('REPORT', book, '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>');
const token = /<d:sync-token>([^<]+)/.exec(initial)![1]!;
const bodies: Record<string, [string, string]> = {
  propfind: [book, '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/><d:resourcetype/></d:prop></d:propfind>'],
  multiget: [book, `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</card:addressbook-multiget>`],
  sync: [book, '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>'],
  incremental: [book, `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`],
  query: [cal, '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20270301T000000Z" end="20270401T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>'],
};
for (const kind of KINDS) {
  const [url, body] = bodies[kind]!;
  await req(kind === 'propfind' ? 'PROPFIND' : 'REPORT', url, body);
}
const started = said('profiling');
child.kill('SIGUSR2');
await started;
for (const kind of KINDS) {
  const [url, body] = bodies[kind]!;
  const method = kind === 'propfind' ? 'PROPFIND' : 'REPORT';
  const t = performance.now();
  for (let i = 0; i < RUNS; i++) await req(method, url, body);
  process.stdout.write(`${kind}: ${((performance.now() - t) / RUNS).toFixed(1)} ms/request\n`);
}
const stopped = said('profiled');
child.kill('SIGUSR2');
await stopped;
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
if (existsSync(profileFile)) {
  const p = JSON.parse(readFileSync(profileFile, 'utf8')) as { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] };
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  for (const n of p.nodes) {
    const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/work\/main\//, '')}:${n.callFrame.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const total = [...byFn.values()].reduce((a, b) => a + b, 0);
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 40)) process.stdout.write(`${(v / 1000).toFixed(0).padStart(7)} ms ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}\n`);
}
if (process.env.KEEP_PROFILE) copyFileSync(profileFile, process.env.KEEP_PROFILE);
rmSync(dir, { recursive: true, force: true });
