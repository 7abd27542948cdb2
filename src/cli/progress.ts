// Progress of long work: a bar on a terminal (cli-progress), plain lines such as
// "imported 5000/50000" otherwise (logs, CI, pipes). Both go to stderr so stdout stays data.
import cliProgress from 'cli-progress';
import type { ProgressListener } from '../importexport/progress.js';

export interface ProgressDisplay {
  listener: ProgressListener;
  /** Ends the bar (or prints the last line) and returns. */
  stop(): void;
}

export function progressDisplay(verb: string, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      format: `${verb} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left`, stream, hideCursor: true, clearOnComplete: false,
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      listener: (done, total) => {
        if (!started) { bar.start(total, done); started = true; } else { bar.setTotal(total); bar.update(done); }
      },
      stop: () => { if (started) bar.stop(); },
    };
  }
  // About ten lines per run whatever its size, and always the last one.
  let printed = -1;
  let last: { done: number; total: number } | null = null;
  return {
    listener: (done, total) => {
      last = { done, total };
      const step = Math.max(1, Math.ceil(total / 10));
      if (printed < 0 || done - printed >= step) {
        stream.write(`${verb} ${done}/${total}\n`);
        printed = done;
      }
    },
    stop: () => { if (last && printed !== last.done) stream.write(`${verb} ${last.done}/${last.total}\n`); },
  };
}
