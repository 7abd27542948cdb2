// The default job queue (O1): a `jobs` table in the app's own store, SQLite or PostgreSQL.
// Claims are single statements (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises
// writers), a claimed job holds a lease renewed by heartbeat, and every later write about a
// run is fenced by the lease token, so a run whose lease was taken over cannot settle it.
// Exclusion per key rests on the lease: a worker that stalls longer than the lease (a paused
// VM) may overlap the run that took over; the pg-boss queue adds an advisory lock for that.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Selectable } from 'kysely';
import type { Database } from '../store/db.js';
import type { JobsTable } from '../store/schema.js';
import type {
  EnqueueOptions, EnqueueResult, Handlers, JobInfo, JobMapOf, JobName, JobOutcome, JobQueue, QueueTuning, StartOptions,
} from './queue.js';
import { startWorker, type Claim, type Worker } from './worker.js';

export interface SqlQueueOptions extends QueueTuning {
  /** The clock for run times and leases (default Date.now). */
  readonly now?: () => number;
}

type JobRow = Selectable<JobsTable>;

export function createSqlQueue<M extends JobMapOf<M>>(database: Database, opts: SqlQueueOptions = {}): JobQueue<M> {
  const { db, dialect } = database;
  const now = opts.now ?? Date.now;
  const leaseMs = opts.leaseMs ?? 30_000;
  const owner = `${hostname()}:${process.pid}`;
  const onError = opts.onError ?? ((e: unknown) => console.error('job queue:', e));
  let worker: Worker | null = null;

  const toInfo = (row: JobRow): JobInfo<M> => ({
    id: row.id,
    name: row.name,
    key: row.key,
    payload: JSON.parse(row.payload),
    status: row.status,
    runAt: row.run_at,
    attempts: row.attempts,
    lastError: row.last_error,
  }) as JobInfo<M>;

  /** Inserts the pending job of a key, or moves the existing one earlier (never later). */
  async function upsertPending(name: string, key: string, payload: string, runAt: number, lastError: string | null): Promise<EnqueueResult> {
    const id = randomUUID();
    const t = now();
    const row = await db.insertInto('jobs')
      .values({ id, name, key, payload, run_at: runAt, status: 'pending', attempts: 0, lease_owner: null, lease_until: null, last_error: lastError, created_at: t, updated_at: t })
      // The predicate is a literal: PostgreSQL matches it against the partial index at plan time.
      .onConflict((oc) => oc.columns(['name', 'key']).where(sql<boolean>`status = 'pending'`).doUpdateSet({
        run_at: sql<number>`case when excluded.run_at < jobs.run_at then excluded.run_at else jobs.run_at end`,
        last_error: sql<string | null>`coalesce(excluded.last_error, jobs.last_error)`,
        updated_at: t,
      }))
      .returning('id')
      .executeTakeFirstOrThrow();
    return { jobId: row.id, merged: row.id !== id };
  }

  async function claimNext(names: readonly string[]): Promise<Claim<M> | null> {
    const t = now();
    const token = `${owner}:${randomUUID()}`;
    let candidate = db.selectFrom('jobs as j').select('j.id')
      .where('j.name', 'in', names)
      .where((eb) => eb.or([
        eb.and([
          eb('j.status', '=', 'pending'),
          eb('j.run_at', '<=', t),
          eb.not(eb.exists(eb.selectFrom('jobs as r').select('r.id')
            .whereRef('r.name', '=', 'j.name').whereRef('r.key', '=', 'j.key').where('r.status', '=', 'running'))),
        ]),
        // A run whose worker died (or stalled past its lease) is taken over.
        eb.and([eb('j.status', '=', 'running'), eb('j.lease_until', '<', t)]),
      ]))
      .orderBy('j.run_at').limit(1);
    if (dialect === 'postgres') candidate = candidate.forUpdate().skipLocked();
    let row: JobRow | undefined;
    try {
      row = await db.updateTable('jobs')
        .set({ status: 'running', lease_owner: token, lease_until: t + leaseMs, attempts: sql<number>`attempts + 1`, updated_at: t })
        .where('id', '=', candidate)
        .where((eb) => eb.or([eb('status', '=', 'pending'), eb('lease_until', '<', t)]))
        .returningAll()
        .executeTakeFirst();
    } catch (e) {
      // PostgreSQL: another worker claimed this key's running slot in the same instant; the
      // unique index refused ours. Nothing is lost: the job stays pending.
      if (isUniqueViolation(e)) return null;
      throw e;
    }
    if (!row) return null;
    const claimed = row;
    return {
      job: { id: claimed.id, name: claimed.name, key: claimed.key, payload: JSON.parse(claimed.payload), attempt: claimed.attempts } as Claim<M>['job'],
      async renew() {
        const t2 = now();
        const r = await db.updateTable('jobs').set({ lease_until: t2 + leaseMs, updated_at: t2 })
          .where('id', '=', claimed.id).where('lease_owner', '=', token).executeTakeFirst();
        return r.numUpdatedRows > 0n;
      },
      settle: (outcome) => settle(claimed, token, outcome),
    };
  }

  async function settle(row: JobRow, token: string, outcome: JobOutcome): Promise<void> {
    if (outcome.kind === 'done') {
      await db.deleteFrom('jobs').where('id', '=', row.id).where('lease_owner', '=', token).execute();
      return;
    }
    const t = now();
    const runAt = outcome.kind === 'continue' ? t : outcome.kind === 'reschedule' ? outcome.runAt : outcome.retryAt;
    const lastError = outcome.kind === 'fail' ? outcome.error : null;
    // The running row becomes the key's pending job, unless one was enqueued meanwhile: then
    // the two merge. No transaction: each statement is safe on its own, and a crash between
    // them leaves the running row to be taken over and redone (at-least-once).
    try {
      const turned = await db.updateTable('jobs')
        .set({ status: 'pending', run_at: runAt, attempts: 0, lease_owner: null, lease_until: null, last_error: lastError, updated_at: t })
        .where('id', '=', row.id).where('lease_owner', '=', token)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('jobs as p').select('p.id')
          .where('p.name', '=', row.name).where('p.key', '=', row.key).where('p.status', '=', 'pending'))))
        .executeTakeFirst();
      if (turned.numUpdatedRows > 0n) return;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    const still = await db.selectFrom('jobs').select('id').where('id', '=', row.id).where('lease_owner', '=', token).executeTakeFirst();
    if (!still) return; // lease lost: the run that took over settles the job
    await upsertPending(row.name, row.key, row.payload, runAt, lastError);
    await db.deleteFrom('jobs').where('id', '=', row.id).where('lease_owner', '=', token).execute();
  }

  async function list(filter?: { name: string; key: string }): Promise<JobInfo<M>[]> {
    let q = db.selectFrom('jobs').selectAll().orderBy('run_at').orderBy('id');
    if (filter) q = q.where('name', '=', filter.name).where('key', '=', filter.key);
    return (await q.execute()).map(toInfo);
  }

  const queue: JobQueue<M> = {
    async enqueue<N extends JobName<M>>(name: N, payload: M[N], o: EnqueueOptions): Promise<EnqueueResult> {
      const result = await upsertPending(name, o.key, JSON.stringify(payload), o.runAt ?? now(), null);
      worker?.wake();
      return result;
    },
    async cancel(name, key) {
      const r = await db.deleteFrom('jobs').where('name', '=', name).where('key', '=', key).where('status', '=', 'pending').executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async start(handlers: Handlers<M>, s: StartOptions = {}) {
      if (worker) throw new Error('job queue already started');
      const names = Object.keys(handlers);
      worker = startWorker(() => claimNext(names), handlers, {
        concurrency: s.concurrency ?? 4,
        pollMs: opts.pollMs ?? 500,
        leaseMs,
        retryDelayMs: opts.retryDelayMs ?? 60_000,
        now,
        onError,
      });
    },
    async stop() {
      const w = worker;
      worker = null;
      await w?.stop();
    },
    pending: () => list(),
    inspect: (name, key) => list({ name, key }),
    close: () => queue.stop(),
  };
  return queue;
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && e.code === '23505';
}
