// Sync engine benchmarks (issue 4 item 6):
// `npx tsx bench/sync/run.ts [all|engine|incremental|peers [radicale|xandikos]|peers-linked [radicale|xandikos]]`.
// Prints Markdown tables for docs/benchmarks.md, section "Sync engine (issue 4)".
//  - engine:      the engine alone against the in-memory account (target ≥ 20,000 items/s planned
//                 and applied), first sync of contacts and of events: after a warm-up, the median
//                 of BENCH_SYNC_REPEAT (3) runs, wall and CPU (process.cpuUsage), and the CPU range.
//  - incremental: a run with no change and runs with 10 changes (CRM side, remote side) on channels
//                 of 1,000 and 10,000 items against the in-memory account (target < 100 ms with no
//                 change; cost growing with the changes, not the channel).
//  - peers:       first sync of 10,000 contacts and 5,000 events into Radicale and into Xandikos
//                 (wall time, crmsync CPU, server CPU), then no-change / 10-change runs there.
//  - peers-linked: (not part of `all`) channels of 1,000 and 10,000 contacts on Radicale and on
//                 Xandikos made in seconds: the CRM's contacts are written into the server's storage
//                 as the connector would write them (same UID, X-CRMSYNC-ID) under other names
//                 (bench/sync/linked.ts), and the first sync links them by M1 (checked: N links,
//                 nothing created or updated, still N items on the server). Then the server's cost
//                 of each change-detection request alone, and no change (median of 5), 10 CRM
//                 changes and 10 remote changes (median of 3 each): wall, crmsync CPU, server CPU.
// Sizes can be lowered for a quick try: BENCH_SYNC_CONTACTS, BENCH_SYNC_EVENTS (peers-linked:
// BENCH_SYNC_CONTACTS=1000 runs the 1,000-item channel alone; BENCH_SYNC_EACH=1 prints every
// run's figures on stderr, not only the medians). At full size one
// server takes the better part of an hour on a loaded 2-core machine: `peers radicale` and
// `peers xandikos` run one each (in parallel, the CPU columns stay comparable; wall times do not).
import { cpus, totalmem } from 'node:os';
import { MemoryAccount } from '../../src/connectors/memory/index.js';
import { createCalDavConnector } from '../../src/connectors/caldav/index.js';
import type { UnitPayload } from '../../src/connectors/types.js';
import { contacts } from '../../src/crm/contacts.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { runToEnd, type EngineDeps } from '../../src/sync/engine/run.js';
import type { ConnectorFactory } from '../../src/sync/engine/targets.js';
import { countLinks } from '../../src/sync/engine/links.js';
import { peerAvailable, startPeer, type PeerKind } from '../../test/helpers/peers.js';
import { changeDetectionCosts, countItems, remoteEdits, startLinkedPeer } from './linked.js';
import { benchCrm, childPid, connect, loadavg, measure, seedContacts, seedEvents, setBatchSize, type BenchCrm } from './world.js';

const CONTACTS = Number(process.env.BENCH_SYNC_CONTACTS ?? 10_000);
const EVENTS = Number(process.env.BENCH_SYNC_EVENTS ?? 5_000);
const which = process.argv[2] ?? 'all';
const servers = (process.argv[3] ? [process.argv[3]] : ['radicale', 'xandikos']) as PeerKind[];
if (!['all', 'engine', 'incremental', 'peers', 'peers-linked'].includes(which) || servers.some((k) => k !== 'radicale' && k !== 'xandikos')) {
  process.stderr.write('usage: npx tsx bench/sync/run.ts [all|engine|incremental|peers [radicale|xandikos]|peers-linked [radicale|xandikos]]\n');
  process.exit(1);
}
const out = (s: string) => process.stdout.write(`${s}\n`);
const ms = (x: number) => x.toFixed(x < 10 ? 1 : 0);
const s1 = (x: number) => (x / 1000).toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function done(deps: EngineDeps, channelId: string) {
  const r = await runToEnd(deps, channelId, 'manual');
  if (r.kind !== 'done') throw new Error(`run ended ${JSON.stringify(r)}`);
  return r;
}

const MEM = { '/dav/alice/contacts/': ['contacts'], '/dav/alice/calendar/': ['calendar'] } as const;

async function memoryWorld(nContacts: number, nEvents: number) {
  const crm = await benchCrm();
  const account = new MemoryAccount({ '/dav/alice/contacts/': [...MEM['/dav/alice/contacts/']], '/dav/alice/calendar/': [...MEM['/dav/alice/calendar/']] });
  const factory = () => account.connector();
  const contactIds = nContacts ? await seedContacts(crm, nContacts) : [];
  const eventIds = nEvents ? await seedEvents(crm, nEvents) : [];
  const ch = await connect(crm, 'https://memory.example/', factory);
  return { crm, account, deps: { ctx: crm.ctx, keyring: crm.keyring, connectorFactory: factory } as EngineDeps, ch, contactIds, eventIds };
}

/** 10 CRM edits, then the run that carries them. */
async function crmChanges(crm: BenchCrm, deps: EngineDeps, channelId: string, ids: string[], round: number, serverPid: number | null = null) {
  for (let i = 0; i < 10; i++) await contacts.update(crm.ctx, ids[(round * 97 + i * 13) % ids.length]!, { note: `bench edit ${round}.${i}` }, SYSTEM);
  return measure(() => done(deps, channelId), serverPid);
}

/**
 * One first sync of `n` items of `unit` (fresh world each time), `REPEAT` times: the median wall
 * and CPU time, and the range of CPU items/s.
 */
async function firstSyncs(unit: 'contacts' | 'calendar', n: number, batch: number, repeat: number) {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const w = await memoryWorld(unit === 'contacts' ? n : 0, unit === 'calendar' ? n : 0);
    const channel = (unit === 'contacts' ? w.ch.contacts : w.ch.calendar)!;
    await setBatchSize(w.crm, channel, batch);
    const m = await measure(() => done(w.deps, channel));
    const col = unit === 'contacts' ? '/dav/alice/contacts/' : '/dav/alice/calendar/';
    if (w.account.col(col).items.size !== n) throw new Error(`not all ${unit} synced`);
    walls.push(m.wallMs);
    cpus.push(m.cpuMs);
    await w.crm.close();
  }
  return { wallMs: median(walls), cpuMs: median(cpus), cpuRate: [Math.round(n / (Math.max(...cpus) / 1000)), Math.round(n / (Math.min(...cpus) / 1000))] };
}

async function engineAlone() {
  // A long-running server syncs with warm code: one unmeasured first sync of each kind first, so
  // that the first measured run does not carry the JIT's warm-up (BENCH_SYNC_WARMUP=0: none).
  // Each figure is the median of BENCH_SYNC_REPEAT runs (default 3), each on a fresh world.
  const repeat = Math.max(1, Number(process.env.BENCH_SYNC_REPEAT ?? 3));
  if (process.env.BENCH_SYNC_WARMUP !== '0') {
    await firstSyncs('contacts', Math.min(CONTACTS, 2000), 500, 1);
    await firstSyncs('calendar', Math.min(EVENTS, 1000), 500, 1);
  }
  out(`\n### Engine alone against the in-memory account (${CONTACTS} contacts, ${EVENTS} events)\n`);
  out(`(${new Date().toISOString()}, load ${loadavg()}; median of ${repeat} runs after a warm-up)\n`);
  out('| run | batch size (L1) | items | wall (s) | crmsync CPU (s) | items/s (wall) | items/s (CPU) | items/s (CPU), range |');
  out('|---|---:|---:|---:|---:|---:|---:|---:|');
  const row = (label: string, batch: number, n: number, m: { wallMs: number; cpuMs: number; cpuRate: number[] }) =>
    out(`| ${label} | ${batch} | ${n} | ${s1(m.wallMs)} | ${s1(m.cpuMs)} | ${Math.round(n / (m.wallMs / 1000))} | ${Math.round(n / (m.cpuMs / 1000))} | ${m.cpuRate.join('–')} |`);
  for (const batch of [500, CONTACTS]) row('first sync, contacts CRM→remote', batch, CONTACTS, await firstSyncs('contacts', CONTACTS, batch, repeat));
  row('first sync, events CRM→remote', 500, EVENTS, await firstSyncs('calendar', EVENTS, 500, repeat));
  {
    // Remote→CRM: the target holds items the CRM has not seen (I1 imports).
    const w = await memoryWorld(0, 0);
    const col = '/dav/alice/contacts/';
    const w0 = await memoryWorld(CONTACTS, 0); // borrow realistic payloads
    await done(w0.deps, w0.ch.contacts!);
    for (const item of w0.account.col(col).items.values()) {
      const record = { ...item.payload.record, tags: ['Kunde'] } as UnitPayload['record'];
      w.account.put(col, { ref: item.ref.replace('crmsync-', 'phone-'), uid: `phone-${item.uid}`, crmId: null, payload: { unit: 'contacts', record } as UnitPayload, extras: [] });
    }
    await w0.crm.close();
    const m = await measure(() => done(w.deps, w.ch.contacts!));
    out(`| first sync, contacts remote→CRM (I1 import), one run | 500 | ${CONTACTS} | ${s1(m.wallMs)} | ${s1(m.cpuMs)} | ${Math.round(CONTACTS / (m.wallMs / 1000))} | ${Math.round(CONTACTS / (m.cpuMs / 1000))} | |`);
    await w.crm.close();
  }
}

async function incremental() {
  out(`\n### Incremental runs against the in-memory account (contacts channel; ${new Date().toISOString()}, load ${loadavg()})\n`);
  out('| channel size | no change: median of 5 (ms) | 10 CRM changes: median of 3 (ms) | 10 remote changes: median of 3 (ms) |');
  out('|---:|---:|---:|---:|');
  for (const size of [1000, CONTACTS]) {
    const w = await memoryWorld(size, 0);
    await done(w.deps, w.ch.contacts!);
    const none: number[] = [];
    for (let i = 0; i < 5; i++) none.push((await measure(() => done(w.deps, w.ch.contacts!))).wallMs);
    const crmSide: number[] = [];
    for (let r = 0; r < 3; r++) crmSide.push((await crmChanges(w.crm, w.deps, w.ch.contacts!, w.contactIds, r)).wallMs);
    const remoteSide: number[] = [];
    const col = '/dav/alice/contacts/';
    for (let r = 0; r < 3; r++) {
      const items = [...w.account.col(col).items.values()];
      for (let i = 0; i < 10; i++) {
        const it = items[(r * 101 + i * 17) % items.length]!;
        w.account.put(col, { ...it, payload: { unit: 'contacts', record: { ...it.payload.record, note: `phone edit ${r}.${i}` } } as UnitPayload });
      }
      remoteSide.push((await measure(() => done(w.deps, w.ch.contacts!))).wallMs);
    }
    out(`| ${size} | ${ms(median(none))} | ${ms(median(crmSide))} | ${ms(median(remoteSide))} |`);
    await w.crm.close();
  }
}

async function peers() {
  for (const kind of servers) {
    if (!peerAvailable(kind)) { out(`\n(${kind} not installed: skipped)\n`); continue; }
    const peer = await startPeer(kind);
    const pid = childPid(kind);
    const crm = await benchCrm();
    try {
      const contactIds = await seedContacts(crm, CONTACTS);
      await seedEvents(crm, EVENTS);
      const factory: ConnectorFactory = (target, secret, directory) =>
        createCalDavConnector({ url: target.url, username: target.username, password: secret.password, directory, timeoutMs: 120_000 });
      const collections = kind === 'xandikos' ? { calendar: peer.collections.calendar, tasks: peer.collections.tasks } : undefined;
      const channels = await connect(crm, peer.url, factory, collections);
      const ch = (u: 'contacts' | 'calendar') => channels[u]!;
      const deps: EngineDeps = { ctx: crm.ctx, keyring: crm.keyring, connectorFactory: factory };
      out(`\n### First sync into ${kind} (${new Date().toISOString()}, load ${loadavg()})\n`);
      out('| unit | items | wall (s) | items/s | crmsync CPU (s) | server CPU (s) |');
      out('|---|---:|---:|---:|---:|---:|');
      for (const [unit, n] of [['contacts', CONTACTS], ['calendar', EVENTS]] as const) {
        const m = await measure(() => done(deps, ch(unit)), pid);
        const links = await countLinks(crm.ctx, ch(unit));
        if (links !== n) throw new Error(`${unit}: ${links} links for ${n} items`);
        out(`| ${unit} | ${n} | ${s1(m.wallMs)} | ${Math.round(n / (m.wallMs / 1000))} | ${s1(m.cpuMs)} | ${s1(m.serverCpuMs!)} |`);
      }
      out(`\n${kind}, ${CONTACTS}-contact channel after the first sync:\n`);
      out('| run | median wall (ms) | crmsync CPU (ms) | server CPU (ms) |');
      out('|---|---:|---:|---:|');
      const none = [];
      for (let i = 0; i < 5; i++) none.push(await measure(() => done(deps, ch('contacts')), pid));
      const pickMedian = (xs: { wallMs: number; cpuMs: number; serverCpuMs: number | null }[]) => [...xs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(xs.length / 2)]!;
      const n0 = pickMedian(none);
      out(`| no change (5 runs) | ${ms(n0.wallMs)} | ${ms(n0.cpuMs)} | ${ms(n0.serverCpuMs!)} |`);
      const ten = [];
      for (let r = 0; r < 3; r++) ten.push(await crmChanges(crm, deps, ch('contacts'), contactIds, r, pid));
      const t0 = pickMedian(ten);
      out(`| 10 CRM changes (3 runs) | ${ms(t0.wallMs)} | ${ms(t0.cpuMs)} | ${ms(t0.serverCpuMs!)} |`);
    } finally {
      await crm.close();
      await peer.stop();
    }
  }
}

async function peersLinked() {
  type Row = { wallMs: number; cpuMs: number; serverCpuMs: number | null; httpMs: number };
  const pickMedian = (xs: Row[]) => [...xs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(xs.length / 2)]!;
  const row = (what: string, m: Row) => out(`| ${what} | ${ms(m.wallMs)} | ${ms(m.httpMs)} | ${ms(m.cpuMs)} | ${ms(m.serverCpuMs!)} |`);
  // Wall time spent in HTTP requests (from the call to the last byte of the answer): the rest of
  // a run's wall time is crmsync's own (CPU, SQLite, waiting for a core).
  let httpMs = 0;
  const timedFetch: typeof fetch = async (input, init) => {
    const t = performance.now();
    const res = await fetch(input, init);
    const body = await res.arrayBuffer();
    httpMs += performance.now() - t;
    const empty = [101, 204, 205, 304].includes(res.status); // statuses a Response may not have a body with
    return new Response(empty ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  let serverPid = 0;
  const timed = async (fn: () => ReturnType<typeof done>) => {
    httpMs = 0;
    const m = await measure(fn, serverPid);
    if (process.env.BENCH_SYNC_EACH) process.stderr.write(`  run: wall ${ms(m.wallMs)} ms, HTTP ${ms(httpMs)} ms, crmsync CPU ${ms(m.cpuMs)} ms, server CPU ${ms(m.serverCpuMs!)} ms\n`);
    return { ...m, httpMs };
  };
  for (const kind of servers) {
    if (!peerAvailable(kind)) { out(`\n(${kind} not installed: skipped)\n`); continue; }
    for (const size of new Set([Math.min(1000, CONTACTS), CONTACTS])) {
      const crm = await benchCrm();
      const contactIds = await seedContacts(crm, size);
      const t0 = performance.now();
      const { peer, url, hrefs } = await startLinkedPeer(kind, crm, contactIds);
      try {
        out(`\n### ${kind}, ${size} contacts linked by M1 (${new Date().toISOString()}, load ${loadavg()})\n`);
        out(`Storage written and server started in ${s1(performance.now() - t0)} s.\n`);
        const factory: ConnectorFactory = (target, secret, directory) =>
          createCalDavConnector({ url: target.url, username: target.username, password: secret.password, directory, timeoutMs: 600_000, fetch: timedFetch });
        serverPid = peer.pid;
        const channel = (await connect(crm, url, factory, { contacts: peer.contacts })).contacts!;
        const deps: EngineDeps = { ctx: crm.ctx, keyring: crm.keyring, connectorFactory: factory };
        const first = await timed(() => done(deps, channel));
        const links = await countLinks(crm.ctx, channel);
        const onServer = await countItems(peer);
        const { created, updated, deleted, skipped } = first.value.kind === 'done' ? first.value.counts : { created: -1, updated: -1, deleted: -1, skipped: -1 };
        out(`First sync: ${s1(first.wallMs)} s wall (${s1(first.httpMs)} s in HTTP requests), crmsync CPU ${s1(first.cpuMs)} s, server CPU ${s1(first.serverCpuMs!)} s; ${links} links, created ${created}, updated ${updated}, deleted ${deleted}, skipped ${skipped}, ${onServer} items on the server.\n`);
        if (links !== size || created !== 0 || updated !== 0 || deleted !== 0 || onServer !== size) throw new Error(`${kind}: the first sync did not just link ${size} items`);
        out('| change-detection request, alone (median of 5) | wall (ms) | server CPU (ms) |');
        out('|---|---:|---:|');
        for (const c of await changeDetectionCosts(peer)) out(`| ${c.request} | ${ms(c.wallMs)} | ${ms(c.serverCpuMs)} |`);
        out('');
        out('| run | median wall (ms) | of which in HTTP requests (ms) | crmsync CPU (ms) | server CPU (ms) |');
        out('|---|---:|---:|---:|---:|');
        const none: Row[] = [];
        for (let i = 0; i < 5; i++) none.push(await timed(() => done(deps, channel)));
        row('no change (5 runs)', pickMedian(none));
        const crmSide: Row[] = [];
        const echoes: Row[] = [];
        for (let r = 0; r < 3; r++) {
          for (let i = 0; i < 10; i++) await contacts.update(crm.ctx, contactIds[(r * 97 + i * 13) % contactIds.length]!, { note: `bench edit ${r}.${i}` }, SYSTEM);
          const m = await timed(() => done(deps, channel));
          if (m.value.kind !== 'done' || m.value.counts.updated !== 10) throw new Error(`10 CRM changes: ${JSON.stringify(m.value)}`);
          crmSide.push(m);
          // The next run meets the echo of our own 10 writes (a new sync-token, 10 members with
          // the versions the links already hold): timed on its own row.
          const echo = await timed(() => done(deps, channel));
          if (echo.value.kind !== 'done' || echo.value.counts.updated !== 0) throw new Error(`echo run: ${JSON.stringify(echo.value)}`);
          echoes.push(echo);
        }
        row('10 CRM changes (3 runs)', pickMedian(crmSide));
        row('the run after each of those (echo of our 10 writes)', pickMedian(echoes));
        const remoteSide: Row[] = [];
        for (let r = 0; r < 3; r++) {
          await remoteEdits(peer, hrefs, r);
          const m = await timed(() => done(deps, channel));
          if (m.value.kind !== 'done' || m.value.counts.updated !== 10) throw new Error(`10 remote changes: ${JSON.stringify(m.value)}`);
          remoteSide.push(m);
        }
        row('10 remote changes (3 runs)', pickMedian(remoteSide));
        out(`\n(load at the end: ${loadavg()})`);
      } finally {
        await crm.close();
        await peer.stop();
      }
    }
  }
}

out(`## Sync engine benchmark run ${new Date().toISOString()}`);
out(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load ${loadavg()}`);
if (which === 'all' || which === 'engine') await engineAlone();
if (which === 'all' || which === 'incremental') await incremental();
if (which === 'all' || which === 'peers') await peers();
if (which === 'peers-linked') await peersLinked();
out(`\nload at the end: ${loadavg()}`);
