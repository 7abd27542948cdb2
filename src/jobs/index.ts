// Picks the job queue for the store (issue 4, item 4): on SQLite the in-process SQL queue (O1);
// on PostgreSQL pg-boss for any number of workers (O2), or the SQL queue when asked.
import type { Database } from '../store/db.js';
import type { JobMapOf, JobQueue, QueueTuning } from './queue.js';
import { createSqlQueue } from './sqlQueue.js';
import { createPgBossQueue, type PgBossQueueOptions } from './pgBossQueue.js';

export type * from './queue.js';

/** The jobs crmsync runs. A sync run is keyed by its channel (user × target × unit). */
export type AppJobs = {
  sync: { channelId: string };
};

export type QueueEngine = 'sql' | 'pg-boss';

export interface CreateQueueOptions extends QueueTuning {
  /** The store's URL; pg-boss opens its own connections with it. */
  readonly databaseUrl: string;
  /** PostgreSQL only: 'pg-boss' (default) or 'sql'. SQLite always uses 'sql'. */
  readonly engine?: QueueEngine;
  readonly pgBoss?: Omit<PgBossQueueOptions, 'url' | keyof QueueTuning>;
  /** The SQL queue's clock (default Date.now). */
  readonly now?: () => number;
}

export function createQueue<M extends JobMapOf<M> = AppJobs>(database: Database, opts: CreateQueueOptions): JobQueue<M> {
  const { databaseUrl, engine, pgBoss, now, ...tuning } = opts;
  if (database.dialect === 'sqlite' || engine === 'sql') return createSqlQueue<M>(database, { ...tuning, ...(now ? { now } : {}) });
  return createPgBossQueue<M>({ ...tuning, ...pgBoss, url: databaseUrl });
}
