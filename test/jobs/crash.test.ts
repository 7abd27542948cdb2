// A run cut off by kill -9 is picked up once its lease expires and completed exactly once
// more (issue 4, item 4: "a run cut off by a crash is resumed or redone with no duplicate").
import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import {
  createRunsTables, exited, openTestQueue, queueImpls, recordEnd, recordStart, sleep, spawnFixture, waitFor, waitForLine,
  type QueueImpl, type RunsTable,
} from './helpers.js';

type CrashJobs = { crash: { n: number } };
const LEASE_MS = 1000;
const IMPLS = await queueImpls();

describe.each(IMPLS)('$label', (impl: QueueImpl) => {
  let tdb: TestDatabase | null = null;
  let queue: JobQueue<CrashJobs> | null = null;
  afterEach(async () => {
    await queue?.close();
    await tdb?.drop();
  });

  it('redoes a run killed mid-handler after its lease, exactly once', { timeout: 45_000 }, async () => {
    tdb = await createTestDatabase(impl.dialect);
    const runs = tdb.database.db as unknown as Kysely<RunsTable>;
    await createRunsTables(runs as Kysely<unknown>);
    queue = openTestQueue<CrashJobs>(tdb.database, { url: tdb.url, engine: impl.engine, leaseMs: LEASE_MS });
    await queue.enqueue('crash', { n: 1 }, { key: 'channel-1' });

    const child = spawnFixture('crashWorker', { url: tdb.url, engine: impl.engine, leaseMs: LEASE_MS });
    await waitForLine(child, 'started channel-1');
    child.kill('SIGKILL');
    await exited(child);
    const killedAt = Date.now();
    expect((await queue.inspect('crash', 'channel-1'))[0]?.status).toBe('running');

    await queue.start({
      crash: async (job) => {
        const id = await recordStart(runs, job.key, job.attempt);
        await sleep(50);
        await recordEnd(runs, id, job.key);
        return { kind: 'done' };
      },
    });
    await waitFor('the redone run', async () => (await runs.selectFrom('job_runs').select('id').where('ended_at', 'is not', null).execute()).length === 1);
    await waitFor('the job to be gone', async () => (await queue!.pending()).length === 0);
    await sleep(2 * LEASE_MS); // nothing runs a third time

    const rows = await runs.selectFrom('job_runs').selectAll().orderBy('started_at').execute();
    // (The killed run never cleared its active_keys mark, so `overlap` says nothing here.)
    expect(rows.map((r) => ({ attempt: r.attempt, finished: r.ended_at !== null }))).toEqual([
      { attempt: 1, finished: false },
      { attempt: 2, finished: true },
    ]);
    // Not before the dead run's lease ran out.
    expect(rows[1]!.started_at).toBeGreaterThanOrEqual(killedAt);
  });
});
