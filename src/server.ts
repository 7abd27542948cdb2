// One HTTP server for everything (SPEC O1): /api (REST), /healthz, /metrics, and the
// CalDAV/CardDAV server under /dav and /.well-known. Plus the background
// work of a serving process: webhook delivery, the S2 window job and change-log retention.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createRequire } from 'node:module';
import type { AppContext } from './app/context.js';
import { apiPlugin } from './api/plugin.js';
import { registerDav } from './dav/server.js';
import { registerHome } from './web/home.js';
import { LoginLimiter, type LoginLimiterOptions } from './auth/limiter.js';
import { pruneSessions } from './auth/sessions.js';
import { inTransaction } from './crm/context.js';
import { expireWindows } from './crm/membership.js';
import { pruneChangeLog } from './crm/syncSets.js';
import { registerMetrics } from './observability/metrics.js';
import { ping } from './store/db.js';
import { pruneDeliveries, runWebhooks } from './webhooks/worker.js';

export const BODY_LIMIT = 10 * 1024 * 1024;

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export interface ServerOptions {
  /**
   * Mounts the CalDAV/CardDAV server (default: `registerDav` with default options); it adds its
   * own content-type parsers and methods.
   */
  registerDav?: (f: FastifyInstance) => Promise<void>;
  /** Login throttling (tests shorten the delays). */
  loginLimits?: Partial<LoginLimiterOptions>;
}

export async function buildServer(app: AppContext, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const f = Fastify({
    loggerInstance: app.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
  });
  registerMetrics(f);

  f.get('/healthz', async (_request, reply) => {
    try {
      await ping(app.database);
      return { status: 'ok' };
    } catch (err) {
      f.log.warn({ err }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable', detail: 'database not reachable' });
    }
  });

  const limiter = new LoginLimiter({ now: app.crm.now, ...opts.loginLimits });
  await f.register(apiPlugin, { prefix: '/api', app, limiter, version });
  await (opts.registerDav ?? ((root) => registerDav(root, app)))(f);
  await registerHome(f);
  return f;
}

interface Job { name: string; everyMs: number; run: () => Promise<unknown> }

/** Change-log retention per collection (issue 2 item 4) and other daily housekeeping. */
async function dailyHousekeeping(app: AppContext): Promise<void> {
  const ctx = app.crm;
  const collections = await ctx.db.selectFrom('collections').select('id').execute();
  for (const c of collections) await inTransaction(ctx, (tx) => pruneChangeLog(tx, c.id));
  await pruneSessions(ctx);
  await pruneDeliveries(ctx);
}

/**
 * Starts the background loops of a serving process; returns a function that stops them and
 * waits for running work to finish. Each job runs once at start, then on its interval, never
 * overlapping itself. All jobs are safe to run on several nodes at once (O2).
 */
export function startBackgroundWork(app: AppContext, opts: { webhookIntervalMs?: number } = {}): () => Promise<void> {
  const jobs: Job[] = [
    { name: 'webhooks', everyMs: opts.webhookIntervalMs ?? 5_000, run: () => runWebhooks(app.crm, app.keyring) },
    { name: 's2-window', everyMs: 10 * 60_000, run: () => inTransaction(app.crm, (tx) => expireWindows(tx)) },
    { name: 'retention', everyMs: 24 * 3_600_000, run: () => dailyHousekeeping(app) },
  ];
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const schedule = (job: Job, delay: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      const p = job.run()
        .catch((err: unknown) => app.logger.error({ err, job: job.name }, 'background job failed'))
        .then(() => { running.delete(p); if (!stopped) schedule(job, job.everyMs); });
      running.add(p);
    }, delay);
    t.unref();
    timers.add(t);
  };
  for (const job of jobs) schedule(job, 0);
  return async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await Promise.all(running);
  };
}
