// The job engine's contract (issue 4, item 4): one interface, two implementations.
// - sqlQueue: the app's own store through Kysely; the in-process default on SQLite (O1).
// - pgBossQueue: pg-boss on PostgreSQL, shared by any number of `crmsync worker` processes (O2).
//
// A job is identified by its name and a key (for sync runs: the channel id, one per user ×
// target × unit). Per (name, key) there is at most ONE queued job (a second enqueue only moves
// its run time earlier; pg-boss may hold a crashed run waiting to be redone besides it) and at
// most ONE running job: never two runs of one key at once, across processes (O2). A job
// enqueued while its key runs waits for that run to end. The payload is the first enqueue's:
// derive it from the key, or keep what changes in the store rather than in the payload.
//
// Delivery is at-least-once. A run cut off by a crash (kill -9) or by a lost lease is run
// again once the lease expires, with `attempt` > 1. HANDLERS MUST THEREFORE BE IDEMPOTENT:
// redoing a run, or the part of it that happened before the crash, must not duplicate anything
// (the sync engine gets this from M2's idempotent creates and cursors saved per batch).

export type Json = string | number | boolean | null | readonly Json[] | { readonly [k: string]: Json };
export type JsonObject = { readonly [k: string]: Json };

/** Constraint on a job map: job name → JSON payload type. */
export type JobMapOf<M> = { readonly [N in keyof M]: JsonObject };
export type JobName<M> = keyof M & string;

/** What a handler gets. Discriminated by `name`. */
export interface Job<M extends JobMapOf<M>, N extends JobName<M> = JobName<M>> {
  readonly id: string;
  readonly name: N;
  readonly key: string;
  readonly payload: M[N];
  /** 1 on a first run; higher when an earlier run of this very job was cut off. */
  readonly attempt: number;
  /**
   * Aborted when the queue stops or this run lost its lease or lock. The handler should end at
   * its next safe point (e.g. after the current batch) and return `continue`; its writes after
   * that point may race a new run of the same key.
   */
  readonly signal: AbortSignal;
}
export type AnyJob<M extends JobMapOf<M>> = { [N in JobName<M>]: Job<M, N> }[JobName<M>];

/**
 * How a run ended. Every outcome but `done` runs the job (same name, key, payload) again at the
 * given time; when another job for the key is already pending, the two merge (earlier time wins).
 */
export type JobOutcome =
  | { readonly kind: 'done' }
  /** L1: a batch is done and more work is left: run again right away. */
  | { readonly kind: 'continue' }
  | { readonly kind: 'reschedule'; readonly runAt: number }
  /** The caller decides the backoff (L3, L4 Retry-After); `error` is kept for inspection. */
  | { readonly kind: 'fail'; readonly error: string; readonly retryAt: number };

/** One handler per job name. A handler that throws counts as `fail` with the queue's retry delay. */
export type Handlers<M extends JobMapOf<M>> = {
  readonly [N in JobName<M>]: (job: Job<M, N>) => Promise<JobOutcome>;
};

export interface EnqueueOptions {
  readonly key: string;
  /** Epoch ms; default now. */
  readonly runAt?: number;
}

export interface EnqueueResult {
  readonly jobId: string;
  /** True when a pending job for the key existed and absorbed this one. */
  readonly merged: boolean;
}

export type JobStatus = 'pending' | 'running';

export type JobInfo<M extends JobMapOf<M>> = {
  [N in JobName<M>]: {
    readonly id: string;
    readonly name: N;
    readonly key: string;
    readonly payload: M[N];
    readonly status: JobStatus;
    /** When a pending job falls due; when a running job last fell due. */
    readonly runAt: number;
    readonly attempts: number;
    /** The error of the failed run this job retries, if it is one. */
    readonly lastError: string | null;
  };
}[JobName<M>];

export interface StartOptions {
  /** Handlers run at once in this process (default 4). */
  readonly concurrency?: number;
}

export interface JobQueue<M extends JobMapOf<M>> {
  enqueue<N extends JobName<M>>(name: N, payload: M[N], opts: EnqueueOptions): Promise<EnqueueResult>;
  /** Drops the pending job of a key; a running one is not interrupted. Returns how many were dropped. */
  cancel(name: JobName<M>, key: string): Promise<number>;
  /** Starts working in this process; jobs that fell due while no worker ran start at once. */
  start(handlers: Handlers<M>, opts?: StartOptions): Promise<void>;
  /** Graceful: stops taking jobs, aborts running handlers' signals and waits for them to return. */
  stop(): Promise<void>;
  /** Every job not finished yet, pending or running, by run time. */
  pending(): Promise<JobInfo<M>[]>;
  /** The jobs of one key: at most one running and, per implementation, one or more pending. */
  inspect(name: JobName<M>, key: string): Promise<JobInfo<M>[]>;
  /** stop(), then releases connections the queue opened itself. */
  close(): Promise<void>;
}

/** Tuning both implementations share. */
export interface QueueTuning {
  /** How long a claimed run stays ours without a heartbeat (default 30 s; renewed every third). */
  readonly leaseMs?: number;
  /** Poll interval for due jobs (enqueues in this process also wake the worker at once). */
  readonly pollMs?: number;
  /** Retry delay after a handler threw (default 60 s). */
  readonly retryDelayMs?: number;
  /** Errors of the machinery itself (a failed poll, heartbeat or settle); default console.error. */
  readonly onError?: (error: unknown) => void;
}
