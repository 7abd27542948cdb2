// bench/dav/crmsyncServe.ts on the compiled build (`npm run build`, what `npm start` runs):
// plain Node, no TypeScript loader in the process, so its RSS is the production server's.
// Usage: node bench/dav/serveBuilt.mjs DIST_DIR DBFILE PORT
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, file, port] = [resolve(process.argv[2]), process.argv[3], Number(process.argv[4])];
const load = (m) => import(pathToFileURL(`${dist}/${m}`).href);
const [{ loadConfig }, { createLogger }, { createKeyring }, { buildServer }, { openDatabase }] = await Promise.all(
  ['app/config.js', 'app/logger.js', 'security/keyring.js', 'server.js', 'store/db.js'].map(load),
);
const database = await openDatabase(file);
const app = {
  config: loadConfig({ CRMSYNC_DATA: dirname(file) }),
  database,
  crm: { db: database.db, dialect: database.dialect, now: Date.now },
  keyring: createKeyring(randomBytes(32)),
  logger: createLogger('error'),
  close: () => database.close(),
};
const server = await buildServer(app);
await server.listen({ host: '127.0.0.1', port });
// SIGUSR2: the V8 heap and external memory on stderr (bench/dav/rss.ts).
process.on('SIGUSR2', () => {
  const m = process.memoryUsage();
  process.stderr.write(`heap used ${m.heapUsed >> 20} total ${m.heapTotal >> 20} external ${m.external >> 20} arrayBuffers ${m.arrayBuffers >> 20} MiB\n`);
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => { void server.close().then(() => app.close()).then(() => process.exit(0)); });
