// One import measurement in a process of its own, so peak RSS (process.resourceUsage().maxRSS)
// belongs to this import alone. Prints one JSON line. Usage: importOne.ts DIALECT FILE [PARSE_WORKERS]
// (PARSE_WORKERS: a number, or auto for the worker pool sized by the import; omitted, the default).
import { createUser } from '../src/crm/users.js';
import type { DialectName } from '../src/store/db.js';
import { importPath } from '../src/importexport/import.js';
import { createTestDatabase } from '../test/helpers/databases.js';

const [dialect, file, workers] = process.argv.slice(2) as [DialectName, string, string | undefined];
const tdb = await createTestDatabase(dialect);
try {
  const ctx = { db: tdb.database.db, dialect, now: Date.now };
  const user = await createUser(ctx, { username: 'bench', password: 'bench-password' });
  const started = performance.now();
  const report = await importPath(ctx, file, { user, tick: true, ...(workers !== undefined ? { parseWorkers: workers === 'auto' ? 'auto' as const : Number(workers) } : {}) });
  const seconds = (performance.now() - started) / 1000;
  if (report.failed > 0) throw new Error(`benchmark import failed entries: ${report.failures[0]?.message}`);
  process.stdout.write(`${JSON.stringify({ dialect, items: report.created, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
} finally {
  await tdb.drop();
}
