// Profile helper (issue 4 item 6): one first sync of N contacts in one batch against the in-memory
// account (BENCH_SYNC_BATCH: batch size, default N): `npx tsx bench/sync/profile.ts [N] [out.cpuprofile]`; with an output file, a CPU profile
// (node:inspector) of the run alone, without the seeding, for Chrome DevTools or speedscope.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { MemoryAccount } from '../../src/connectors/memory/index.js';
import { runToEnd, type EngineDeps } from '../../src/sync/engine/run.js';
import { benchCrm, connect, measure, seedContacts, setBatchSize } from './world.js';

const N = Number(process.argv[2] ?? 10_000);
const BATCH = Number(process.env.BENCH_SYNC_BATCH ?? N);
const crm = await benchCrm();
const account = new MemoryAccount({ '/dav/alice/contacts/': ['contacts'] });
const factory = () => account.connector();
await seedContacts(crm, N);
const ch = await connect(crm, 'https://memory.example/', factory);
await setBatchSize(crm, ch.contacts!, BATCH);
const deps = { ctx: crm.ctx, keyring: crm.keyring, connectorFactory: factory } as EngineDeps;
const out = process.argv[3];
const session = out ? new Session() : null;
if (session) { session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start'); }
const m = await measure(async () => { const r = await runToEnd(deps, ch.contacts!, 'manual'); if (r.kind !== 'done') throw new Error(JSON.stringify(r)); });
if (session) { const { profile } = await session.post('Profiler.stop'); writeFileSync(out!, JSON.stringify(profile)); session.disconnect(); }
process.stdout.write(`${N} contacts: wall ${m.wallMs.toFixed(0)} ms, cpu ${m.cpuMs.toFixed(0)} ms, ${Math.round(N / (m.wallMs / 1000))} items/s wall, ${Math.round(N / (m.cpuMs / 1000))} items/s cpu\n`);
await crm.close();
