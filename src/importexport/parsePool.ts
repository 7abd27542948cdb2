// A small pool of worker threads that parse and validate vCard pieces (issue 2 item 10), so the
// main thread can write one batch to the database while the next is being parsed. The caller
// bounds how many pieces are in flight (vcardImport.ts); the pool only hands each piece to an idle
// worker or queues it, and answers every piece with its own promise, so results can be consumed
// in input order whatever order the workers finish in.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParseRequest, ParseResponse } from './parseWorker.js';
import type { ParsedPiece } from './vcardParse.js';

/** Workers for a machine: all cores but the one the main thread writes with, at least one. */
export const defaultPoolSize = () => Math.max(1, availableParallelism() - 1);

/**
 * How to start the worker script next to this module: parseWorker.js when running the build from
 * dist/; when this module itself was loaded as TypeScript (tsx, vitest), parseWorker.ts through a
 * tiny bootstrap that registers tsx's loader in the worker first. (On Node 20 neither an inherited
 * `--import tsx` nor one in the worker's execArgv applies to the worker's entry module:
 * "Unknown file extension .ts".)
 */
function workerSpec(): { script: URL | string; eval: boolean; execArgv: string[] } {
  // The worker inherits the process's flags except those meant for the main script or its profiler/debugger.
  const inherited = process.execArgv.filter((a) => !/^--(cpu-prof|heap-prof|inspect|input-type)/.test(a));
  if (!import.meta.url.endsWith('.ts')) return { script: new URL('./parseWorker.js', import.meta.url), eval: false, execArgv: inherited };
  const execArgv: string[] = [];
  for (let i = 0; i < inherited.length; i++) {
    const a = inherited[i]!;
    if (/^--(import|require|loader)$/.test(a) && inherited[i + 1]?.includes('tsx')) i++; // the tsx CLI's own hooks
    else if (!(/^--(import|require|loader)=/.test(a) && a.includes('tsx'))) execArgv.push(a);
  }
  // tsx is a dev dependency: resolved from here rather than from the working directory.
  // (The ESM build of tsx/esm/api, as its package exports map it for `import`.)
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const worker = new URL('./parseWorker.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(worker)}); });`;
  return { script, eval: true, execArgv };
}

interface Task { id: number; text: string; resolve: (r: ParsedPiece) => void; reject: (e: Error) => void }

export class ParsePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private failed: Error | null = null;
  private closed = false;

  constructor(size: number = defaultPoolSize()) {
    const spec = workerSpec();
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(spec.script, { eval: spec.eval, execArgv: spec.execArgv });
      w.on('message', (res: ParseResponse) => this.done(w, res));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => { if (!this.closed) this.fail(new Error(`vCard parse worker exited with code ${code}`)); });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Parses one piece on the next idle worker. */
  parse(text: string): Promise<ParsedPiece> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<ParsedPiece>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, text, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.busy.set(w, task);
      w.postMessage({ id: task.id, text: task.text } satisfies ParseRequest);
    }
  }

  private done(w: Worker, res: ParseResponse): void {
    const task = this.busy.get(w);
    this.busy.delete(w);
    this.idle.push(w);
    if (task) {
      if (res.ok) task.resolve(res.result);
      else task.reject(new Error(`vCard parse worker failed: ${res.error}`));
    }
    this.dispatch();
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    for (const t of [...this.busy.values(), ...this.queue]) t.reject(e);
    this.busy.clear();
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
