// The scale-out job queue (O2): pg-boss 10 on PostgreSQL, shared by any number of
// `crmsync worker` processes.
//
// What pg-boss gives: storage, `FOR UPDATE SKIP LOCKED` fetching, one queued job per key
// (policy `short` + singletonKey), and expiry of runs whose worker died (maintenance turns an
// active job past `expire_in` into a retry, which any worker fetches again).
// What it does not give, and why this file adds to it:
// - "Never two runs of one key at once" (O2). `short` allows any number of active jobs per key;
//   `singleton`/`stately` allow one, but their fetch then fails with a unique violation that
//   pg-boss swallows, so one blocked key stalls the whole queue (head-of-line). And an expired
//   job is retried even when its worker is alive and merely slow. So every run holds a
//   PostgreSQL session advisory lock on its key (keyLock.ts); a fetched job whose key is locked
//   is handed back as a pending job a moment later.
// - Heartbeats. pg-boss 10 has none: `expire_in` is fixed at send. We renew it by moving the
//   active job's `expire_in` forward, so long runs are not expired and a dead worker's run is
//   picked up one lease after its last heartbeat.
// - "Move runAt earlier" on a duplicate enqueue, inspection by key: pg-boss has no API for
//   them, so they are small statements on its `job` table (schema version 24 = pg-boss 10).
// Handler outcomes (continue / reschedule / fail with the caller's backoff) become a new queued
// job; pg-boss's own retries are only used for runs cut off by a crash.
// A completed job's output (pg-boss keeps completed jobs, then archives them) names the worker
// process that ran it, how it ended and when it held the key: how an operator sees which worker
// did what, and how the scale-out test shows the work shared with no key run twice at once.
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import pg from 'pg';
import { startWorker, type Claim, type Worker } from './worker.js';
import { tryLock, type HeldLock } from './keyLock.js';
import type {
  EnqueueOptions, EnqueueResult, Handlers, JobInfo, JobMapOf, JobName, JobOutcome, JobQueue, JsonObject, QueueTuning, StartOptions,
} from './queue.js';

export interface PgBossQueueOptions extends QueueTuning {
  readonly url: string;
  /** PostgreSQL schema of pg-boss's tables (default "pgboss"). */
  readonly schema?: string;
  /** How often one of the instances expires dead runs (default 30 s). */
  readonly maintenanceSeconds?: number;
  /** How often one job may be cut off by a crash and redone before pg-boss marks it failed (default 10). */
  readonly crashRetries?: number;
  /** When a fetched job's key is busy elsewhere, it is queued again this much later (default 1 s). */
  readonly deferMs?: number;
}

/** What a completed job's output says (pg-boss `output` column). */
export interface JobReport {
  /** host:pid of the worker process. */
  readonly worker: string;
  /** The handler's outcome; `handed-back` when the key was running elsewhere and the job was queued again. */
  readonly outcome: JobOutcome['kind'] | 'handed-back';
  /** Epoch ms while this worker held the key's lock (absent for `handed-back`). */
  readonly heldFrom?: number;
  readonly heldUntil?: number;
}

/** What pg-boss stores as a job's data. */
interface Envelope {
  readonly payload: JsonObject;
  readonly lastError: string | null;
}

interface BossRow {
  id: string;
  name: string;
  singleton_key: string;
  data: Envelope;
  state: 'created' | 'retry' | 'active';
  start_after: Date;
  retry_count: number;
}

export function createPgBossQueue<M extends JobMapOf<M>>(opts: PgBossQueueOptions): JobQueue<M> {
  const schema = opts.schema ?? 'pgboss';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid pg-boss schema name: ${schema}`);
  const leaseSeconds = Math.max(1, Math.ceil((opts.leaseMs ?? 30_000) / 1000));
  const crashRetries = opts.crashRetries ?? 10;
  const deferMs = opts.deferMs ?? 1000;
  const onError = opts.onError ?? ((e: unknown) => console.error('job queue:', e));
  const boss = new PgBoss({
    connectionString: opts.url,
    schema,
    application_name: 'crmsync-jobs',
    supervise: true,
    maintenanceIntervalSeconds: opts.maintenanceSeconds ?? 30,
    schedule: false,
  });
  boss.on('error', onError);
  let started: Promise<void> | null = null;
  const ready = (): Promise<void> => (started ??= boss.start().then(() => undefined));
  // pg-boss 10 needs a queue created before send/fetch. Creating two queues at once deadlocks
  // (each attaches a partition to the job table), within a process and between processes:
  // creation is serialised here and retried on deadlock.
  const queues = new Map<string, Promise<void>>();
  let creating: Promise<unknown> = Promise.resolve();
  const createQueue = async (name: string): Promise<void> => {
    await ready();
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, policy: 'short' });
        return;
      } catch (e) {
        if (attempt >= 5 || pgCode(e) !== '40P01') throw e;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  };
  const ensureQueue = (name: string): Promise<void> => {
    let q = queues.get(name);
    if (!q) {
      q = creating.then(() => createQueue(name));
      creating = q.catch(() => undefined);
      queues.set(name, q);
      q.catch(() => queues.delete(name));
    }
    return q;
  };
  const query = async (text: string, values: unknown[]): Promise<BossRow[]> => {
    await ready();
    return (await boss.getDb().executeSql(text, values)).rows;
  };
  let worker: Worker | null = null;
  let lockPool: pg.Pool | null = null;
  const workerName = `${hostname()}:${process.pid}`;
  const complete = (name: string, id: string, report: JobReport) => boss.complete(name, id, report);

  async function enqueueEnvelope(name: string, key: string, data: Envelope, runAt: number): Promise<EnqueueResult> {
    await ensureQueue(name);
    // send() returns null while the key already has a queued job; that job is then moved
    // earlier. If it got fetched in between, the next send() succeeds.
    for (let i = 0; i < 5; i++) {
      const id = await boss.send(name, data, {
        singletonKey: key, startAfter: new Date(runAt), expireInSeconds: leaseSeconds, retryLimit: crashRetries, retryDelay: 0,
      });
      if (id) return { jobId: id, merged: false };
      const [moved] = await query(
        `update ${schema}.job set start_after = least(start_after, $3::timestamptz),
           data = case when $4::text is null then data else jsonb_set(data, '{lastError}', to_jsonb($4::text)) end
         where name = $1 and singleton_key = $2 and state = 'created' returning id`,
        [name, key, new Date(runAt).toISOString(), data.lastError],
      );
      if (moved) return { jobId: moved.id, merged: true };
    }
    throw new Error(`could not enqueue ${name} job for key ${key}: its queued slot kept changing`);
  }

  function lockName(name: string, key: string): string {
    return `crmsync.${schema}.${name}.${key}`;
  }

  let nextName = 0;
  async function claimNext(names: readonly string[], locks: pg.Pool): Promise<Claim<M> | null> {
    for (let i = 0; i < names.length; i++) {
      const name = names[nextName++ % names.length] as string;
      const [job] = await boss.fetch<Envelope>(name, { batchSize: 1, includeMetadata: true });
      if (!job) continue;
      const key = job.singletonKey ?? job.id;
      let lock: HeldLock | null;
      try {
        lock = await tryLock(locks, lockName(name, key));
      } catch (e) {
        await handBack(name, key, job);
        throw e;
      }
      if (lock) return toClaim(name, key, job, lock);
      await handBack(name, key, job);
    }
    return null;
  }

  /** The key runs elsewhere: queue the job again shortly and drop this fetch of it. */
  async function handBack(name: string, key: string, job: PgBoss.JobWithMetadata<Envelope>): Promise<void> {
    await enqueueEnvelope(name, key, job.data, Date.now() + deferMs);
    await complete(name, job.id, { worker: workerName, outcome: 'handed-back' });
  }

  function toClaim(name: string, key: string, job: PgBoss.JobWithMetadata<Envelope>, lock: HeldLock): Claim<M> {
    const heldFrom = Date.now();
    return {
      job: { id: job.id, name, key, payload: job.data.payload, attempt: job.retryCount + 1 } as Claim<M>['job'],
      async renew() {
        if (!lock.alive) return false;
        const rows = await query(
          `update ${schema}.job set expire_in = (now() - started_on) + $3 * interval '1 second'
           where name = $1 and id = $2 and state = 'active' returning id`,
          [name, job.id, leaseSeconds],
        );
        return rows.length === 1;
      },
      async settle(outcome: JobOutcome) {
        const heldUntil = Date.now();
        await lock.release();
        // The follow-up is queued before the job completes: a crash in between redoes the run
        // rather than losing the follow-up.
        if (outcome.kind !== 'done') {
          const runAt = outcome.kind === 'continue' ? Date.now() : outcome.kind === 'reschedule' ? outcome.runAt : outcome.retryAt;
          await enqueueEnvelope(name, key, { payload: job.data.payload, lastError: outcome.kind === 'fail' ? outcome.error : null }, runAt);
        }
        await complete(name, job.id, { worker: workerName, outcome: outcome.kind, heldFrom, heldUntil });
      },
    };
  }

  const toInfo = (row: BossRow): JobInfo<M> => ({
    id: row.id,
    name: row.name,
    key: row.singleton_key,
    payload: row.data.payload,
    status: row.state === 'active' ? 'running' : 'pending',
    runAt: row.start_after.getTime(),
    attempts: row.retry_count + (row.state === 'active' ? 1 : 0),
    lastError: row.data.lastError,
  }) as JobInfo<M>;

  const live = `select id, name, singleton_key, data, state, start_after, retry_count from ${schema}.job
    where state in ('created', 'retry', 'active')`;

  const queue: JobQueue<M> = {
    async enqueue<N extends JobName<M>>(name: N, payload: M[N], o: EnqueueOptions) {
      const result = await enqueueEnvelope(name, o.key, { payload, lastError: null }, o.runAt ?? Date.now());
      worker?.wake();
      return result;
    },
    async cancel(name, key) {
      const rows = await query(`${live} and state <> 'active' and name = $1 and singleton_key = $2`, [name, key]);
      if (rows.length === 0) return 0;
      await boss.cancel(name, rows.map((r) => r.id));
      return rows.length;
    },
    async start(handlers: Handlers<M>, s: StartOptions = {}) {
      if (worker) throw new Error('job queue already started');
      const names = Object.keys(handlers);
      await Promise.all(names.map(ensureQueue));
      const concurrency = s.concurrency ?? 4;
      const locks = new pg.Pool({ connectionString: opts.url, max: concurrency, application_name: 'crmsync-job-locks' });
      locks.on('error', onError);
      lockPool = locks;
      worker = startWorker(() => claimNext(names, locks), handlers, {
        concurrency,
        pollMs: opts.pollMs ?? 1000,
        leaseMs: leaseSeconds * 1000,
        retryDelayMs: opts.retryDelayMs ?? 60_000,
        now: Date.now,
        onError,
      });
    },
    async stop() {
      const w = worker;
      const locks = lockPool;
      worker = null;
      lockPool = null;
      await w?.stop();
      await locks?.end();
    },
    pending: async () => (await query(`${live} order by start_after, id`, [])).map(toInfo),
    inspect: async (name, key) => (await query(`${live} and name = $1 and singleton_key = $2 order by start_after, id`, [name, key])).map(toInfo),
    async close() {
      await queue.stop();
      if (started) await boss.stop({ graceful: true, wait: true });
    },
  };
  return queue;
}

function pgCode(e: unknown): unknown {
  return typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
}
