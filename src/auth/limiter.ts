// Slows down password guessing (issue 2 item 6): failures are counted per user and client
// address in a sliding window; each failure delays the answer exponentially, and past
// `maxFailures` the login is refused with 429 until the oldest failure leaves the window.
// In memory on purpose: per process is enough to make online guessing impractical.

export interface LoginLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Delay after the first failure; doubles with each further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  now: () => number;
}

export const DEFAULT_LOGIN_LIMITS: Omit<LoginLimiterOptions, 'now'> = {
  maxFailures: 10, windowMs: 15 * 60_000, baseDelayMs: 100, maxDelayMs: 3_000,
};

/** Keys kept before stale ones are swept, so a flood of distinct names cannot grow memory without bound. */
const SWEEP_ABOVE = 10_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly o: LoginLimiterOptions;

  constructor(opts: Partial<LoginLimiterOptions> = {}) {
    this.o = { ...DEFAULT_LOGIN_LIMITS, now: Date.now, ...opts };
  }

  private recent(key: string): number[] {
    const cut = this.o.now() - this.o.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cut);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Seconds to wait before another attempt is accepted, or 0 when one may try now. */
  retryAfterSeconds(key: string): number {
    const list = this.recent(key);
    if (list.length < this.o.maxFailures) return 0;
    const oldestThatCounts = list[list.length - this.o.maxFailures] ?? this.o.now();
    return Math.max(1, Math.ceil((oldestThatCounts + this.o.windowMs - this.o.now()) / 1000));
  }

  /** Records a failure and returns how long to hold the answer back (ms). */
  fail(key: string): number {
    if (this.failures.size > SWEEP_ABOVE) for (const k of [...this.failures.keys()]) this.recent(k);
    const list = this.recent(key);
    list.push(this.o.now());
    this.failures.set(key, list);
    return Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (list.length - 1));
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}
