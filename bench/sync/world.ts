// Shared set-up of the sync engine benchmarks (issue 4 item 6): an SQLite CRM in a temp dir with
// one user, bulk contacts and appointments in the user's set, a target on any connector, and
// CPU readings of this process and of a server process (/proc/<pid>/stat utime+stime).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/store/db.js';
import type { CrmContext } from '../../src/crm/context.js';
import { inTransaction } from '../../src/crm/context.js';
import { createUser } from '../../src/crm/users.js';
import { importContacts } from '../../src/crm/contacts.js';
import { draftContact } from '../../src/crm/rows.js';
import { appointments } from '../../src/crm/appointments.js';
import { SYSTEM } from '../../src/domain/authors.js';
import type { Unit, User } from '../../src/domain/records.js';
import { createKeyring, type Keyring } from '../../src/security/keyring.js';
import { addTarget, type ConnectorFactory } from '../../src/sync/engine/targets.js';
import { listChannels, updateChannel } from '../../src/sync/engine/channels.js';
import { benchContacts } from '../generate.js';

export interface BenchCrm {
  ctx: CrmContext;
  database: Database;
  keyring: Keyring;
  user: User;
  close(): Promise<void>;
}

export async function benchCrm(): Promise<BenchCrm> {
  const dir = mkdtempSync(join(tmpdir(), 'crmsync-syncbench-'));
  const database = await openDatabase(join(dir, 'bench.db'));
  const ctx: CrmContext = { db: database.db, dialect: database.dialect, now: Date.now };
  const user = await createUser(ctx, { username: 'alice', email: 'alice@crm.example' });
  return {
    ctx, database, keyring: createKeyring(randomBytes(32)), user,
    close: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** n realistic contacts (the import benchmark's generator), ticked for the user (S1). */
export async function seedContacts(crm: BenchCrm, n: number, seed = 7): Promise<string[]> {
  const data = benchContacts(n, seed);
  const ids: string[] = [];
  for (let i = 0; i < data.length; i += 1000) {
    for (const r of await importContacts(crm.ctx, data.slice(i, i + 1000).map(draftContact), SYSTEM, crm.user.id)) ids.push(r.id);
  }
  return ids;
}

/** n appointments with the user as attendee, in the coming weeks (S2 window), some weekly series. */
export async function seedEvents(crm: BenchCrm, n: number): Promise<string[]> {
  const ids: string[] = [];
  const zones = ['Europe/Berlin', 'America/New_York', 'Pacific/Auckland'];
  const base = Date.now() + 86_400_000;
  for (let i = 0; i < n; i += 500) {
    await inTransaction(crm.ctx, async (tx) => {
      for (let j = i; j < Math.min(n, i + 500); j++) {
        const start = base + (j % 2000) * 3_600_000;
        const a = await appointments.create(tx, {
          title: `Viewing ${j}`, note: j % 3 === 0 ? 'Bring the floor plans.' : '', location: j % 2 ? 'Via Roma 12, Milano' : '',
          timing: { allDay: false, start, end: start + 3_600_000, timeZone: zones[j % 3]! },
          recurrence: j % 10 === 0 ? { rrule: 'FREQ=WEEKLY;COUNT=10', rdates: [], exdates: [] } : null,
          attendees: [{ kind: 'user', userId: crm.user.id }], reminders: [{ minutesBefore: 15 }],
        }, SYSTEM);
        ids.push(a.id);
      }
    });
  }
  return ids;
}

export async function connect(crm: BenchCrm, url: string, factory?: ConnectorFactory, collections?: Partial<Record<Unit, string>>): Promise<Record<Unit, string | undefined>> {
  await addTarget(crm.ctx, crm.keyring, { userId: crm.user.id, url, username: 'alice', password: 'wonderland', collections }, factory);
  const channels = await listChannels(crm.ctx, { userId: crm.user.id });
  const byUnit = (u: Unit) => channels.find((c) => c.unit === u)?.id;
  return { contacts: byUnit('contacts'), calendar: byUnit('calendar'), tasks: byUnit('tasks') };
}

export async function setBatchSize(crm: BenchCrm, channelId: string, batchSize: number): Promise<void> {
  await updateChannel(crm.ctx, channelId, { batchSize });
}

const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds (user+system) of a process from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
}

/** Our child process whose command line mentions `name` (the peer servers do not expose a pid). */
export function childPid(name: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(name)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no child process running ${name}`);
}

export interface Measured<T> { value: T; wallMs: number; cpuMs: number; serverCpuMs: number | null }

/** Wall time, this process's CPU (process.cpuUsage) and optionally a server's CPU for `fn`. */
export async function measure<T>(fn: () => Promise<T>, serverPid: number | null = null): Promise<Measured<T>> {
  const server0 = serverPid === null ? 0 : processCpuSeconds(serverPid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const serverCpuMs = serverPid === null ? null : (processCpuSeconds(serverPid) - server0) * 1000;
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, serverCpuMs };
}

export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
