// Issue 4, item 4 / O2: three worker processes share one pg-boss queue of 50 users' sync jobs;
// every job runs, and no two runs of one key ever overlap — while "sync now" clicks keep
// asking for runs of keys that are running at that moment.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Kysely } from 'kysely';
import { createTestDatabase, postgresReachable, type TestDatabase } from '../helpers/databases.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import {
  createRunsTables, exited, openTestQueue, spawnFixture, waitFor, waitForLine, type RunsTable,
} from './helpers.js';

type SyncJobs = { sync: { user: string } };
const WORKERS = 3;
const USERS = 50;
const RUNS_PER_KEY = 3;
const CLICK_MS = 3000;
const CLICKERS = 5;

describe.runIf(await postgresReachable())('pg-boss scale-out', () => {
  let tdb: TestDatabase | null = null;
  let producer: JobQueue<SyncJobs> | null = null;
  const workers: ChildProcess[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) if (w.exitCode === null) w.kill('SIGKILL');
    await producer?.close();
    await tdb?.drop();
  });

  it(`${WORKERS} workers, ${USERS} users: every job runs, no key runs twice at once`, { timeout: 60_000 }, async () => {
    tdb = await createTestDatabase('postgres');
    const runs = tdb.database.db as unknown as Kysely<RunsTable>;
    await createRunsTables(runs as Kysely<unknown>);
    producer = openTestQueue<SyncJobs>(tdb.database, { url: tdb.url, engine: 'pg-boss' });
    await producer.pending(); // installs pg-boss's schema once, before the workers race for it

    for (let i = 0; i < WORKERS; i++) workers.push(spawnFixture('scaleWorker', { url: tdb.url, concurrency: 4, runsPerKey: RUNS_PER_KEY }));
    await Promise.all(workers.map((w) => waitForLine(w, 'ready')));

    const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
    const drained = (): Promise<void> => waitFor('the queue to drain', async () => {
      if ((await producer!.pending()).length > 0) return false;
      return (await runs.selectFrom('job_runs').select('id').where('ended_at', 'is', null).execute()).length === 0;
    }, 30_000);

    // Automatic runs of every user, each continuing until its key ran RUNS_PER_KEY times (L1).
    await Promise.all(users.map((user) => producer!.enqueue('sync', { user }, { key: user })));
    await drained();

    // "Sync now" clicks: one starts a run; a second one lands while that run is going, when
    // other workers have free slots to take the queued job at once.
    const clicks: Array<{ key: string; at: number }> = [];
    const click = async (key: string): Promise<void> => {
      clicks.push({ key, at: Date.now() });
      await producer!.enqueue('sync', { user: key }, { key });
    };
    const isRunning = async (key: string): Promise<boolean> =>
      (await runs.selectFrom('active_keys').select('key').where('key', '=', key).execute()).length > 0;
    const clickUntil = Date.now() + CLICK_MS;
    await Promise.all(Array.from({ length: CLICKERS }, async (_, c) => {
      for (let i = c; Date.now() < clickUntil; i += CLICKERS) {
        const key = users[i % USERS]!;
        await click(key);
        await waitFor(`${key} to run`, () => isRunning(key), 5000).catch(() => undefined);
        await click(key);
      }
    }));
    await drained();
    for (const w of workers) w.kill('SIGTERM');
    expect(await Promise.all(workers.map(exited))).toEqual(workers.map(() => 0));

    const rows = await runs.selectFrom('job_runs').selectAll().orderBy('key').orderBy('started_at').execute();
    const byKey = new Map<string, typeof rows>();
    for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);

    expect([...byKey.keys()].sort()).toEqual([...users].sort());
    for (const [key, keyRuns] of byKey) {
      expect(keyRuns.length, key).toBeGreaterThanOrEqual(RUNS_PER_KEY);
      for (let i = 1; i < keyRuns.length; i++) {
        expect(keyRuns[i]!.started_at, `${key}: run ${i} starts before run ${i - 1} ended`).toBeGreaterThanOrEqual(keyRuns[i - 1]!.ended_at!);
      }
    }
    expect(rows.filter((r) => r.overlap !== 0)).toEqual([]);
    // Every click was answered by a run that started after it.
    const lastStart = new Map([...byKey].map(([key, keyRuns]) => [key, keyRuns[keyRuns.length - 1]!.started_at]));
    expect(clicks.filter((c) => (lastStart.get(c.key) ?? 0) < c.at)).toEqual([]);
    // The work was shared.
    expect(new Set(rows.map((r) => r.pid)).size).toBe(WORKERS);
    const first = Math.min(...rows.map((r) => r.started_at));
    const last = Math.max(...rows.map((r) => r.ended_at!));
    const peak = Math.max(...rows.map((r) => rows.filter((o) => o.started_at <= r.started_at && o.ended_at! > r.started_at).length));
    console.log(`scale-out: ${rows.length} runs of ${USERS} keys on ${WORKERS} workers in ${last - first} ms, peak ${peak} at once, ${clicks.length} clicks`);
  });
});
