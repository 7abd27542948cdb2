// Automatic and requested sync runs on the job engine (issue 4 items 3 and 4; SPEC D2, L1, L3,
// O1, O2). The channel rows say what is due; a sweeper turns that into jobs keyed by channel; the
// queue guarantees one run per channel at a time across processes, and the engine's run lease
// backs that up against the CLI running a channel directly.
import type { AppContext } from '../app/context.js';
import { createQueue, type AppJobs, type JobQueue, type QueueEngine } from '../jobs/index.js';
import { dueChannelIds, runDueBatch } from './engine/schedule.js';
import type { EngineDeps } from './engine/run.js';
import type { ConnectorFactory } from './engine/targets.js';

export interface SyncServiceOptions {
  /** Run handlers here (a worker, or the single process of O1). Default true. */
  work?: boolean;
  /** Look for due channels and enqueue them. Default true. */
  sweep?: boolean;
  sweepMs?: number;
  concurrency?: number;
  engine?: QueueEngine;
  /** Tests and benchmarks: a remote other than the real protocol connectors. */
  connectorFactory?: ConnectorFactory;
}

export interface SyncService {
  queue: JobQueue<AppJobs>;
  /** Enqueues what is due now (also called at boot: runs that fell due while down start at once). */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSyncService(app: AppContext, opts: SyncServiceOptions = {}): Promise<SyncService> {
  const queue = createQueue<AppJobs>(app.database, { databaseUrl: app.config.databaseUrl, engine: opts.engine });
  const deps: EngineDeps = { ctx: app.crm, keyring: app.keyring, owner: `node-${process.pid}`, connectorFactory: opts.connectorFactory };

  const sweep = async () => {
    const ids = await dueChannelIds(app.crm, app.crm.now());
    for (const channelId of ids) await queue.enqueue('sync', { channelId }, { key: channelId });
    return ids.length;
  };

  if (opts.work !== false) {
    await queue.start({
      sync: async (job) => {
        const out = await runDueBatch(deps, job.payload.channelId);
        switch (out.kind) {
          case 'continue':
            return { kind: 'continue' }; // L1: the next batch right away
          case 'busy':
            return { kind: 'reschedule', runAt: app.crm.now() + 5_000 };
          case 'failed':
          case 'done':
          case 'paused':
          case 'skipped': {
            // The channel row holds the next automatic run; the sweeper enqueues it when due.
            if (out.kind === 'failed') app.logger.warn({ channelId: job.payload.channelId, error: out.error }, 'sync run failed');
            return { kind: 'done' };
          }
          default: {
            const never: never = out;
            throw new Error(`unexpected outcome ${String(never)}`);
          }
        }
      },
    }, { concurrency: opts.concurrency ?? 2 });
  }

  let timer: NodeJS.Timeout | null = null;
  let sweeping: Promise<unknown> = Promise.resolve();
  if (opts.sweep !== false) {
    const tick = () => {
      sweeping = sweep().catch((e: unknown) => app.logger.error({ err: e }, 'sync sweep failed'));
    };
    tick();
    timer = setInterval(tick, opts.sweepMs ?? 5_000);
    timer.unref();
  }
  return {
    queue,
    sweep,
    async stop() {
      if (timer) clearInterval(timer);
      await sweeping;
      await queue.stop();
      await queue.close();
    },
  };
}
