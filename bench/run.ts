// `npm run bench [-- import|changes|dav|sync]`: all benchmarks, or one group. Prints Markdown
// tables for docs/benchmarks.md. import/changes: issue 2 item 10 (here); dav: issue 3 item 9
// (bench/dav/run.ts); sync: issue 4 item 6 (bench/sync/run.ts). PostgreSQL runs where a server
// is reachable (test/helpers/databases.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPoolSize } from '../src/importexport/parsePool.js';
import { dialects } from '../test/helpers/databases.js';
import { changeQuery } from './changes.js';
import { writeBenchFiles } from './generate.js';

const COUNTS = { contacts: Number(process.env.BENCH_CONTACTS ?? 50_000), appointments: Number(process.env.BENCH_APPOINTMENTS ?? 20_000) };
const which = process.argv[2] ?? 'all';
if (!['all', 'import', 'changes', 'dav', 'sync'].includes(which)) {
  process.stderr.write('usage: npm run bench [-- import|changes|dav|sync]\n');
  process.exit(1);
}
const DIALECTS = await dialects();
const out = (s: string) => process.stdout.write(`${s}\n`);

out(`date ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`);

if (which === 'all' || which === 'import') {
  const dir = mkdtempSync(join(tmpdir(), 'crmsync-bench-'));
  try {
    const t = performance.now();
    const files = writeBenchFiles(dir, COUNTS);
    out(`generated ${COUNTS.contacts} contacts and ${COUNTS.appointments} appointments in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    // vCards are imported twice: parsed on the main thread (`0`, the default) and with the parse
    // worker pool (`auto`: availableParallelism() - 1 workers for a file this size).
    const runs = [
      ['contacts.vcf', files.contacts, '0'], ['contacts.vcf', files.contacts, 'auto'], ['calendar.ics', files.appointments, undefined],
    ] as const;
    out(`| store | file | parse workers | items | time (s) | items/s | peak RSS (MiB) |`);
    out('|---|---|---|---:|---:|---:|---:|');
    for (const dialect of DIALECTS) {
      for (const [label, file, workers] of runs) {
        const args = ['--import', 'tsx', join(import.meta.dirname, 'importOne.ts'), dialect, file, ...(workers !== undefined ? [workers] : [])];
        const line = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        const r = JSON.parse(line.trim().split('\n').pop()!) as { items: number; seconds: number; maxRssMiB: number };
        const parse = label === 'contacts.vcf' ? (workers === '0' ? 'main thread' : `pool (${defaultPoolSize()})`) : '—';
        out(`| ${dialect} | ${label} | ${parse} | ${r.items} | ${r.seconds.toFixed(1)} | ${Math.round(r.items / r.seconds)} | ${Math.round(r.maxRssMiB)} |`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (which === 'all' || which === 'changes') {
  out('\n| store | items in collection | runs | median (µs) | p95 (µs) | changes returned |');
  out('|---|---:|---:|---:|---:|---:|');
  for (const dialect of DIALECTS) {
    for (const items of [5_000, 50_000]) {
      const r = await changeQuery(dialect, items, 1000);
      out(`| ${dialect} | ${items} | ${r.runs} | ${Math.round(r.medianUs)} | ${Math.round(r.p95Us)} | ${r.changes} |`);
    }
  }
}

/** The DAV and sync groups have their own drivers (they start peers and servers). */
for (const group of ['dav', 'sync'] as const) {
  if (which !== 'all' && which !== group) continue;
  out(`\n## ${group}\n`);
  execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, group, 'run.ts')], { stdio: 'inherit' });
}
