// The JobQueue contract (issue 4, item 4), run against every implementation: the SQL queue on
// SQLite (O1) and PostgreSQL, and the pg-boss queue (O2).
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobReport } from '../../src/jobs/pgBossQueue.js';
import type { JobQueue, JobOutcome, Job } from '../../src/jobs/queue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { openTestQueue, queueConfig, queueImpls, sleep, waitFor, type QueueImpl } from './helpers.js';

type TestJobs = {
  work: { n: number };
  other: { label: string };
};

const IMPLS = await queueImpls();

describe.each(IMPLS)('$label', (impl: QueueImpl) => {
  let tdb: TestDatabase;
  const queues: JobQueue<TestJobs>[] = [];
  const open = (): JobQueue<TestJobs> => {
    const q = openTestQueue<TestJobs>(tdb.database, queueConfig(impl, tdb));
    queues.push(q);
    return q;
  };
  const idle = async (): Promise<JobOutcome> => ({ kind: 'done' });

  // One database per implementation; after each test its queues stop and what they left
  // queued is cancelled, so the next test starts from an empty queue.
  beforeAll(async () => {
    tdb = await createTestDatabase(impl.dialect);
  });
  afterAll(async () => {
    await tdb.drop();
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    const cleaner = open();
    for (const job of await cleaner.pending()) await cleaner.cancel(job.name, job.key);
    expect(await cleaner.pending()).toEqual([]);
    await cleaner.close();
    queues.length = 0;
  });

  it('runs an enqueued job with its payload, then forgets it', async () => {
    const q = open();
    const { merged } = await q.enqueue('work', { n: 7 }, { key: 'k1' });
    expect(merged).toBe(false);
    // createQueue picked the engine asked for: only the SQL queue uses the store's jobs table.
    expect((await tdb.database.db.selectFrom('jobs').select('id').execute()).length).toBe(impl.engine === 'sql' ? 1 : 0);

    const seen: Array<Pick<Job<TestJobs, 'work'>, 'name' | 'key' | 'payload' | 'attempt'>> = [];
    await q.start({
      work: async (job) => {
        seen.push({ name: job.name, key: job.key, payload: job.payload, attempt: job.attempt });
        return { kind: 'done' };
      },
      other: idle,
    });
    await waitFor('the run', () => seen.length === 1);
    expect(seen[0]).toEqual({ name: 'work', key: 'k1', payload: { n: 7 }, attempt: 1 });
    await waitFor('the job to be gone', async () => (await q.pending()).length === 0);
  });

  it('keeps one pending job per key: a second enqueue only moves it earlier', async () => {
    const q = open();
    const t = Date.now();
    const first = await q.enqueue('work', { n: 1 }, { key: 'k', runAt: t + 60_000 });
    const second = await q.enqueue('work', { n: 2 }, { key: 'k', runAt: t + 30_000 });
    const third = await q.enqueue('work', { n: 3 }, { key: 'k', runAt: t + 90_000 });
    expect(second).toEqual({ jobId: first.jobId, merged: true });
    expect(third).toEqual({ jobId: first.jobId, merged: true });
    await q.enqueue('work', { n: 4 }, { key: 'other-key', runAt: t + 60_000 });
    await q.enqueue('other', { label: 'same key, other job name' }, { key: 'k', runAt: t + 60_000 });

    const [job, ...rest] = await q.inspect('work', 'k');
    expect(rest).toEqual([]);
    expect(job).toMatchObject({ id: first.jobId, name: 'work', key: 'k', payload: { n: 1 }, status: 'pending', lastError: null });
    expect(job?.runAt).toBe(t + 30_000);
    expect(await q.pending()).toHaveLength(3);

    expect(await q.cancel('work', 'k')).toBe(1);
    expect(await q.inspect('work', 'k')).toEqual([]);
    expect(await q.pending()).toHaveLength(2);
  });

  it('continues a job right away when its handler asks to (L1)', async () => {
    const q = open();
    const runs: number[] = [];
    await q.start({
      work: async (job) => {
        runs.push(job.attempt);
        return runs.length < 3 ? { kind: 'continue' } : { kind: 'done' };
      },
      other: idle,
    });
    await q.enqueue('work', { n: 0 }, { key: 'batches' });
    await waitFor('three batches', () => runs.length === 3);
    await waitFor('the job to be gone', async () => (await q.pending()).length === 0);
    await sleep(300);
    expect(runs).toEqual([1, 1, 1]);
  });

  it('reschedules a job to the time its handler gives', async () => {
    const q = open();
    const starts: number[] = [];
    await q.start({
      work: async () => {
        starts.push(Date.now());
        return starts.length === 1 ? { kind: 'reschedule', runAt: Date.now() + 700 } : { kind: 'done' };
      },
      other: idle,
    });
    await q.enqueue('work', { n: 0 }, { key: 'later' });
    await waitFor('the first run', () => starts.length === 1);
    await waitFor('the job to be pending again', async () => (await q.inspect('work', 'later'))[0]?.status === 'pending');
    await waitFor('the rescheduled run', () => starts.length === 2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(650);
  });

  it('retries a failed run at the time the caller chose and keeps its error; a throw uses the retry delay', async () => {
    const q = open();
    let runs = 0;
    await q.start({
      work: async () => {
        runs += 1;
        if (runs === 1) return { kind: 'fail', error: 'remote said 503', retryAt: Date.now() + 800 };
        if (runs === 2) throw new Error('handler bug');
        return { kind: 'done' };
      },
      other: idle,
    });
    await q.enqueue('work', { n: 0 }, { key: 'flaky' });
    await waitFor('the failed run to be queued again', async () => (await q.inspect('work', 'flaky'))[0]?.lastError === 'remote said 503');
    await waitFor('the thrown run to be queued again', async () => (await q.inspect('work', 'flaky'))[0]?.lastError === 'handler bug');
    await waitFor('the third run', () => runs === 3);
    await waitFor('the job to be gone', async () => (await q.pending()).length === 0);
  });

  it('runs at start what fell due while no worker ran', async () => {
    const producer = open();
    await producer.enqueue('work', { n: 1 }, { key: 'due-1', runAt: Date.now() - 60_000 });
    await producer.enqueue('other', { label: 'x' }, { key: 'due-2', runAt: Date.now() + 200 });
    await producer.close();
    await sleep(400);

    const ran: string[] = [];
    const q = open();
    await q.start({
      work: async (job) => {
        ran.push(job.key);
        return { kind: 'done' };
      },
      other: async (job) => {
        ran.push(job.key);
        return { kind: 'done' };
      },
    });
    await waitFor('both overdue jobs', () => ran.length === 2);
    expect(ran.sort()).toEqual(['due-1', 'due-2']);
  });

  it('never runs two jobs of one key at once; other keys run side by side', async () => {
    const q = open();
    const active = new Map<string, number>();
    let maxPerKey = 0;
    let maxOverall = 0;
    let runs = 0;
    await q.start({
      work: async (job) => {
        const now = (active.get(job.key) ?? 0) + 1;
        active.set(job.key, now);
        maxPerKey = Math.max(maxPerKey, now);
        maxOverall = Math.max(maxOverall, [...active.values()].reduce((a, b) => a + b, 0));
        // A change arriving mid-run asks for another run of the same key.
        if (job.payload.n < 3) await q.enqueue('work', { n: job.payload.n + 1 }, { key: job.key });
        await sleep(150);
        active.set(job.key, now - 1);
        runs += 1;
        return { kind: 'done' };
      },
      other: idle,
    }, { concurrency: 4 });
    await Promise.all(['a', 'b', 'c'].map((key) => q.enqueue('work', { n: 0 }, { key })));
    await waitFor('every run', async () => runs >= 6 && (await q.pending()).length === 0);
    expect(maxPerKey).toBe(1);
    expect(maxOverall).toBeGreaterThan(1);
  });

  it('stops gracefully: waits for the running handler, which sees its signal and continues later', async () => {
    const q = open();
    let started = false;
    let finished = false;
    await q.start({
      work: async (job) => {
        started = true;
        await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
        await sleep(100);
        finished = true;
        return { kind: 'continue' };
      },
      other: idle,
    });
    await q.enqueue('work', { n: 0 }, { key: 'long' });
    await waitFor('the run', () => started);
    await q.stop();
    expect(finished).toBe(true);
    const [job] = await q.inspect('work', 'long');
    expect(job).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it.runIf(impl.engine === 'pg-boss')('pg-boss: a completed job names its worker, its outcome and when it held the key', async () => {
    const q = open();
    await q.enqueue('work', { n: 1 }, { key: 'reported' });
    let runs = 0;
    await q.start({ work: async () => (++runs === 1 ? { kind: 'continue' } : { kind: 'done' }), other: idle });
    await waitFor('both runs', async () => runs === 2 && (await q.pending()).length === 0);
    const { rows } = await sql<{ output: JobReport }>`select output from pgboss.job
      where name = 'work' and singleton_key = 'reported' and state = 'completed' order by completed_on`.execute(tdb.database.db);
    expect(rows.map((r) => r.output.outcome)).toEqual(['continue', 'done']);
    for (const { output } of rows) {
      expect(output.worker).toBe(`${hostname()}:${process.pid}`);
      expect(output.heldUntil).toBeGreaterThanOrEqual(output.heldFrom!);
    }
    expect(rows[1]!.output.heldFrom).toBeGreaterThanOrEqual(rows[0]!.output.heldUntil!);
  });
});
