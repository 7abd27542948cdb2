// `crmsync worker` (SPEC O2): a process that only runs sync jobs. Any number of them share the
// work on PostgreSQL (pg-boss); never two runs of one channel at once.
import type { Command } from 'commander';
import { openApp } from '../../app/context.js';
import { startSyncService } from '../../sync/service.js';
import { configFor } from '../app.js';

export function registerWorker(program: Command): void {
  program.command('worker').description('run sync jobs only (scale-out on PostgreSQL; web nodes run `serve`)')
    .option('--concurrency <n>', 'channels run at once in this process', '2')
    .action(async (flags: { concurrency: string }, cmd: Command) => {
      const app = await openApp(configFor(cmd));
      const service = await startSyncService(app, { concurrency: Math.max(1, Number(flags.concurrency) || 2) });
      app.logger.info({ database: app.database.location }, 'crmsync worker running');
      const shutdown = async () => {
        await service.stop();
        await app.close();
      };
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          shutdown().catch((e: unknown) => { app.logger.error({ err: e }, 'unclean shutdown'); process.exitCode = 1; });
        });
      }
    });
}
