// Shared by the job queue tests: which implementations to run, a runs table the handlers
// write to (also from child processes), and small waiting helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database, DialectName } from '../../src/store/db.js';
import { createQueue, type QueueEngine } from '../../src/jobs/index.js';
import type { JobMapOf, JobQueue, QueueTuning } from '../../src/jobs/queue.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

export interface QueueImpl {
  readonly label: string;
  readonly dialect: DialectName;
  readonly engine: QueueEngine;
}

/** sqlQueue on every reachable database, pg-boss where PostgreSQL is reachable. */
export async function queueImpls(): Promise<QueueImpl[]> {
  const ds = await dialects();
  const impls: QueueImpl[] = ds.map((dialect) => ({ label: `sql queue on ${dialect}`, dialect, engine: 'sql' }));
  if (ds.includes('postgres')) impls.push({ label: 'pg-boss queue', dialect: 'postgres', engine: 'pg-boss' });
  return impls;
}

/** Fast timings for tests: short polls, leases and (pg-boss) maintenance. */
export interface TestQueueConfig extends QueueTuning {
  readonly url: string;
  readonly engine: QueueEngine;
}

export function openTestQueue<M extends JobMapOf<M>>(database: Database, config: TestQueueConfig): JobQueue<M> {
  const { url, engine, ...tuning } = config;
  return createQueue<M>(database, {
    pollMs: 100,
    leaseMs: 3000,
    retryDelayMs: 300,
    onError: (e) => console.error('queue error in test:', e),
    ...tuning,
    databaseUrl: url,
    engine,
    pgBoss: { maintenanceSeconds: 1, deferMs: 100 },
  });
}

export function queueConfig(impl: QueueImpl, tdb: TestDatabase, tuning: QueueTuning = {}): TestQueueConfig {
  return { ...tuning, url: tdb.url, engine: impl.engine };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The table handlers record their runs in. */
export interface RunsTable {
  job_runs: {
    id: string;
    key: string;
    attempt: number;
    pid: number;
    started_at: number;
    ended_at: number | null;
    overlap: number;
  };
  /** One row per key while a run of it is active: a second insert means two runs at once. */
  active_keys: { key: string };
}

export async function createRunsTables(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('job_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('overlap', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createTable('active_keys').addColumn('key', 'text', (c) => c.primaryKey()).execute();
}

/** Records the start of a run; notes an overlap when the key is active already. */
export async function recordStart(db: Kysely<RunsTable>, key: string, attempt: number): Promise<string> {
  const id = randomUUID();
  let overlap = 0;
  try {
    await db.insertInto('active_keys').values({ key }).execute();
  } catch {
    overlap = 1;
  }
  await db.insertInto('job_runs').values({ id, key, attempt, pid: process.pid, started_at: Date.now(), ended_at: null, overlap }).execute();
  return id;
}

export async function recordEnd(db: Kysely<RunsTable>, runId: string, key: string): Promise<void> {
  await db.updateTable('job_runs').set({ ended_at: Date.now() }).where('id', '=', runId).execute();
  await db.deleteFrom('active_keys').where('key', '=', key).execute();
}

/** Starts a TypeScript fixture in a child process, passing it a JSON config. */
export function spawnFixture(name: string, config: unknown): ChildProcess {
  const script = fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Resolves with the first stdout line of a child that starts with `prefix`. */
export function waitForLine(child: ChildProcess, prefix: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`child did not print "${prefix}" in time`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith(prefix));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(line);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing "${prefix}"`)));
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}
