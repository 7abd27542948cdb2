// Serves a loaded crmsync SQLite file (bench/dav/crmsyncLoad.ts) on 127.0.0.1:PORT with the
// production server (buildServer: REST, DAV, health) until SIGTERM. Usage: crmsyncServe.ts DBFILE PORT
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { loadConfig } from '../../src/app/config.js';
import type { AppContext } from '../../src/app/context.js';
import { createLogger } from '../../src/app/logger.js';
import { createKeyring } from '../../src/security/keyring.js';
import { buildServer } from '../../src/server.js';
import { openDatabase } from '../../src/store/db.js';

const [file, port] = [process.argv[2]!, Number(process.argv[3])];
const database = await openDatabase(file);
const app: AppContext = {
  config: loadConfig({ CRMSYNC_DATA: dirname(file) }),
  database,
  crm: { db: database.db, dialect: database.dialect, now: Date.now },
  keyring: createKeyring(randomBytes(32)),
  logger: createLogger('error'),
  close: () => database.close(),
};
const server = await buildServer(app);
await server.listen({ host: '127.0.0.1', port });
// bench/dav/profile.ts: SIGUSR2 starts a CPU profile, the next one writes it to $CRMSYNC_PROFILE
// (only the timed requests are profiled, not start-up and warm-up).
if (process.env.CRMSYNC_PROFILE) {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  let running = false;
  process.on('SIGUSR2', () => {
    running = !running;
    if (running) void session.post('Profiler.start').then(() => process.stdout.write('profiling\n'));
    else void session.post('Profiler.stop').then(({ profile }) => { writeFileSync(process.env.CRMSYNC_PROFILE!, JSON.stringify(profile)); process.stdout.write('profiled\n'); });
  });
}
process.stdout.write('ready\n');
process.once('SIGTERM', () => { void server.close().then(() => app.close()).then(() => process.exit(0)); });
