// What only the SQL queue has: lease fencing. A run whose lease another worker took over is told
// so through its signal, and its outcome is dropped: the run that took over settles the job.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../helpers/databases.js';
import { createSqlQueue } from '../../src/jobs/sqlQueue.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import { waitFor } from './helpers.js';

type Jobs = { work: { n: number } };

describe.each(await dialects())('sql queue on %s', (dialect) => {
  let tdb: TestDatabase | null = null;
  let queue: JobQueue<Jobs> | null = null;
  afterEach(async () => {
    await queue?.close();
    await tdb?.drop();
  });

  it('aborts a run whose lease was taken over and drops its outcome', async () => {
    tdb = await createTestDatabase(dialect);
    const db = tdb.database.db;
    queue = createSqlQueue<Jobs>(tdb.database, { leaseMs: 300, pollMs: 50 });
    let aborted = false;
    await queue.start({
      work: async (job) => {
        // Another worker takes the run over (as after a stall longer than the lease).
        await db.updateTable('jobs').set({ lease_owner: 'someone-else' }).where('id', '=', job.id).execute();
        await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted = true;
        return { kind: 'continue' };
      },
    });
    await queue.enqueue('work', { n: 1 }, { key: 'k' });
    await waitFor('the abort', () => aborted);
    await queue.stop();
    const rows = await db.selectFrom('jobs').select(['status', 'lease_owner']).execute();
    expect(rows).toEqual([{ status: 'running', lease_owner: 'someone-else' }]);
  });
});
