// The addressbook-multiget of bench/dav/run.ts alone (issue 3 item 9), for comparing builds on the
// shared host: serves the loaded 10,000-contact database (/tmp/crmsync-davbench/profile-10000.db,
// made by profile.ts if missing) from each compiled build given, lists the address book, then
// times RUNS multigets of 1,000 hrefs (getetag, address-data) after one warm-up, with run.ts's
// client. Prints run.ts's own figure (median of the first 5), the median, 10th percentile and
// minimum of all runs, and the server's and client's CPU per request (less sensitive to the
// host's load than wall time). Builds are measured in turns, ROUNDS times.
// Usage: npx tsx bench/dav/multiget.ts [DIST_DIR...] [--runs N] [--rounds N] [--each (every time, in order)]
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../test/helpers/peers.js';
import { request } from './client.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback; };
const RUNS = option('--runs', 101);
const ROUNDS = option('--rounds', 1);
const EACH = args.includes('--each') ? (args.splice(args.indexOf('--each'), 1), true) : false;
const dists = (args.length > 0 ? args : [join(import.meta.dirname, '../../dist')]).map((d) => resolve(d));
const kept = '/tmp/crmsync-davbench/profile-10000.db';
if (!existsSync(kept)) {
  mkdirSync('/tmp/crmsync-davbench', { recursive: true });
  execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crmsyncLoad.ts'), `${kept}.tmp`, '10000', '10000'], { stdio: 'inherit' });
  copyFileSync(`${kept}.tmp`, kept);
  rmSync(`${kept}.tmp`);
}

/** User and system CPU of a process so far, in ms. */
function cpuOf(pid: number): [number, number] {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return [Number(f[11]) * 10, Number(f[12]) * 10];
}

const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"';
const auth = { authorization: `Basic ${Buffer.from('alice_device=bench:wonderland').toString('base64')}`, depth: '1' };

async function measure(dist: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'crmsync-multiget-'));
  copyFileSync(kept, join(dir, 'crmsync.db'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(import.meta.dirname, 'serveBuilt.mjs'), dist, join(dir, 'crmsync.db'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((ok, fail) => {
      child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('ready')) ok(); });
      child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
    });
    const book = `http://127.0.0.1:${port}/dav/addressbooks/alice/contacts/`;
    const listing = await request('PROPFIND', book, auth, `<?xml version="1.0"?><d:propfind ${NS}><d:prop><d:getetag/><d:getcontenttype/><d:resourcetype/></d:prop></d:propfind>`);
    const hrefs = [...listing.text.matchAll(/<(?:[\w-]+:)?href>([^<]*)<\/(?:[\w-]+:)?href>/g)].map((m) => m[1]!).filter((h) => h !== new URL(book).pathname).slice(0, 1000);
    const body = `<?xml version="1.0"?><card:addressbook-multiget ${NS}><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</card:addressbook-multiget>`;
    let chars = 0;
    const once = async () => {
      const r = await request('REPORT', book, auth, body);
      if (r.status !== 207) throw new Error(`multiget → ${r.status}`);
      chars = r.text.length;
    };
    await once(); // warm-up, as run.ts
    const times: number[] = [];
    const [su, ss] = cpuOf(child.pid!);
    const c0 = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await once();
      times.push(performance.now() - t);
    }
    const [su1, ss1] = cpuOf(child.pid!);
    if (EACH) process.stdout.write(`${times.map((t) => t.toFixed(1)).join(' ')}\n`);
    const c = process.cpuUsage(c0);
    const first5 = times.slice(0, 5).sort((a, b) => a - b)[2]!;
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(1);
    return `${dist}: first 5 after warm-up ${first5.toFixed(1)} ms; all ${RUNS}: median ${at(0.5)}, p10 ${at(0.1)}, min ${at(0)} ms; ` +
      `CPU per request: server ${((su1 - su) / RUNS).toFixed(1)} user + ${((ss1 - ss) / RUNS).toFixed(1)} sys, client ${(c.user / 1000 / RUNS).toFixed(1)} + ${(c.system / 1000 / RUNS).toFixed(1)} ms; ` +
      `${chars} characters; load ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(`${new Date().toISOString()} · npx tsx bench/dav/multiget.ts ${process.argv.slice(2).join(' ')}\n`);
for (let round = 0; round < ROUNDS; round++) for (const dist of dists) process.stdout.write(`${await measure(dist)}\n`);
