import pLimit, { type LimitFunction } from 'p-limit';
import { Unavailable } from '../shared-kernel/errors';

export type BulkheadOptions = {
  /** at most this many run at once */
  concurrency: number;
  /** at most this many wait for a turn; one more is refused */
  maxQueued: number;
  /** what a refused caller is told: the 503's stable code and the seconds its Retry-After suggests */
  refusal: { code: string; detail: string; retryAfterSeconds: number };
};

/**
 * Bounds a scarce resource (CPU-heavy work on the thread pool): at most `concurrency` tasks run at once (p-limit) and
 * at most `maxQueued` wait. Past that, `run` refuses at once with `Unavailable` (503 with Retry-After), so a flood
 * waits in a queue of known length instead of growing one without end, and everything else keeps the CPU it needs.
 */
export class Bulkhead {
  private readonly limit: LimitFunction;

  constructor(private readonly options: BulkheadOptions) {
    this.limit = pLimit(options.concurrency);
  }

  /** Tasks running now. */
  get running(): number {
    return this.limit.activeCount;
  }

  /** Tasks waiting for a turn. */
  get queued(): number {
    return this.limit.pendingCount;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running + this.queued >= this.options.concurrency + this.options.maxQueued) {
      const { code, detail, retryAfterSeconds } = this.options.refusal;
      return Promise.reject(new Unavailable(code, detail, { retryAfterSeconds }));
    }
    return this.limit(task);
  }
}
