// `crmsync serve` (SPEC O1): one process serves CalDAV/CardDAV, REST API and web pages on one
// port, with background work (S2 window job, webhooks, sync runs) in the same process.
import type { Command } from 'commander';
import type { Config } from '../../app/config.js';
import { openApp, type AppContext } from '../../app/context.js';
import { announceAdmin, configFor } from '../app.js';

/** Starts server and background work; returns what stops both. */
async function start(app: AppContext, config: Config): Promise<() => Promise<void>> {
  // Loaded here, not at start-up: the other commands need none of the web stack.
  const { buildServer, startBackgroundWork } = await import('../../server.js');
  const { startSyncService } = await import('../../sync/service.js');
  const server = await buildServer(app);
  const stopBackground = startBackgroundWork(app);
  // O1: on SQLite this process also runs the sync jobs; on PostgreSQL too, unless
  // CRMSYNC_WORKERS=external leaves them to `crmsync worker` processes (O2).
  const sync = await startSyncService(app, { work: process.env.CRMSYNC_WORKERS !== 'external' });
  const stop = async () => {
    await sync.stop();
    await stopBackground();
    await server.close();
  };
  try {
    await server.listen({ host: config.host, port: config.port });
  } catch (e) {
    await stop();
    throw e;
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app.logger.info(`crmsync listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`);
  return stop;
}

export function registerServe(program: Command): void {
  program.command('serve').description('serve the API, CalDAV/CardDAV and web pages (first start creates the admin user)')
    .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)')
    .option('--port <port>', 'port (env PORT, default 8080)')
    .action(async (flags: { host?: string; port?: string }, cmd: Command) => {
      const config = configFor(cmd, { host: flags.host, port: flags.port });
      const app = await openApp(config);
      const stop = await announceAdmin(app).then(() => start(app, config)).catch(async (e: unknown) => {
        await app.close();
        throw e;
      });
      let stopping = false;
      const shutdown = async (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal }, 'shutting down');
        await stop();
        await app.close();
      };
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          shutdown(signal).catch((e: unknown) => { app.logger.error({ err: e }, 'unclean shutdown'); process.exitCode = 1; });
        });
      }
    });
}
