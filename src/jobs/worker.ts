// The worker machinery both queues share: a loop that claims due jobs up to a concurrency limit
// (polling, plus an in-process wake-up on enqueue), and the run of one claimed job with its
// heartbeat. Storage specifics live behind `Claim`.
import type { AnyJob, Handlers, JobMapOf, JobOutcome } from './queue.js';

/** A job this process holds, with the lease (or lock) that makes it ours. */
export interface Claim<M extends JobMapOf<M>> {
  readonly job: Omit<AnyJob<M>, 'signal'>;
  /** Extends the lease. false: it is lost (another worker may take the job over). */
  renew(): Promise<boolean>;
  /** Records how the run ended and lets go of the job. */
  settle(outcome: JobOutcome): Promise<void>;
}

export interface WorkerOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly leaseMs: number;
  readonly retryDelayMs: number;
  /** The queue's clock, for the retry time of a handler that threw. */
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
}

export interface Worker {
  wake(): void;
  /** Stops claiming, aborts running handlers' signals, waits for them to settle. */
  stop(): Promise<void>;
}

export function startWorker<M extends JobMapOf<M>>(
  claim: () => Promise<Claim<M> | null>,
  handlers: Handlers<M>,
  opts: WorkerOptions,
): Worker {
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  let woken = false;
  let interruptSleep: (() => void) | null = null;
  const wake = (): void => {
    woken = true;
    interruptSleep?.();
  };

  const fill = async (): Promise<void> => {
    while (running.size < opts.concurrency && !stopping.signal.aborted) {
      const claimed = await claim();
      if (!claimed) return;
      const run = runClaim(claimed, handlers, stopping.signal, opts)
        .catch(opts.onError)
        .finally(() => {
          running.delete(run);
          wake();
        });
      running.add(run);
    }
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      woken = false;
      await fill().catch(opts.onError);
      if (woken || stopping.signal.aborted) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.pollMs);
        interruptSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      interruptSleep = null;
    }
  })();

  return {
    wake,
    async stop() {
      stopping.abort(new Error('queue stopping'));
      wake();
      await loop;
      await Promise.all(running);
    },
  };
}

async function runClaim<M extends JobMapOf<M>>(
  claim: Claim<M>,
  handlers: Handlers<M>,
  stopSignal: AbortSignal,
  opts: WorkerOptions,
): Promise<void> {
  const lost = new AbortController();
  const heartbeat = startHeartbeat(claim, lost, opts);
  const job = { ...claim.job, signal: AbortSignal.any([stopSignal, lost.signal]) } as AnyJob<M>;
  // Handlers is a mapped type over the job names; TypeScript cannot correlate handlers[job.name]
  // with job's own type, so the pair is re-typed once here.
  const handler = handlers[job.name] as (job: AnyJob<M>) => Promise<JobOutcome>;
  let outcome: JobOutcome;
  try {
    outcome = await handler(job);
  } catch (e) {
    outcome = { kind: 'fail', error: e instanceof Error ? e.message : String(e), retryAt: opts.now() + opts.retryDelayMs };
  } finally {
    heartbeat.stop();
  }
  await claim.settle(outcome);
}

/**
 * Renews the lease every third of it. The run counts as lost when a renewal says so, or when
 * renewals kept failing (database unreachable) for a whole lease: by then another worker may
 * have taken the job over.
 */
function startHeartbeat<M extends JobMapOf<M>>(claim: Claim<M>, lost: AbortController, opts: WorkerOptions): { stop(): void } {
  let lastRenewed = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async (): Promise<void> => {
    const renewed = await claim.renew().catch((e: unknown) => {
      opts.onError(e);
      return null;
    });
    if (renewed) lastRenewed = Date.now();
    if (renewed === false || Date.now() - lastRenewed >= opts.leaseMs) {
      lost.abort(new Error(`lease of job ${claim.job.id} lost`));
      return;
    }
    if (!stopped) timer = setTimeout(() => void beat(), opts.leaseMs / 3);
  };
  timer = setTimeout(() => void beat(), opts.leaseMs / 3);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
