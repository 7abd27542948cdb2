// Progress of long work (import, export, demo), reported as "done of total" (L1's progress
// idea applied to the CLI). The CLI turns it into a bar on a terminal or plain lines otherwise.

export type ProgressListener = (done: number, total: number) => void;

export class ProgressCounter {
  private done = 0;

  constructor(private total: number, private readonly listener: ProgressListener = () => undefined) {}

  /** Corrects the estimate made before parsing (e.g. when a file held fewer entries). */
  adjustTotal(delta: number): void {
    this.total = Math.max(this.done, this.total + delta);
  }

  advance(n: number): void {
    this.done += n;
    if (this.done > this.total) this.total = this.done;
    this.listener(this.done, this.total);
  }
}
