import { availableParallelism } from 'node:os';
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

/** The size of libuv's thread pool as libuv reads it from `UV_THREADPOOL_SIZE`: 4 when unset, 1 to 1024 otherwise. */
export const threadPoolSize = (setting: string | undefined = process.env.UV_THREADPOOL_SIZE): number => {
  if (setting === undefined) return 4;
  const size = Number.parseInt(setting, 10);
  return Number.isNaN(size) || size < 1 ? 1 : Math.min(size, 1024);
};

/**
 * How many CPU-heavy tasks on the thread pool (argon2) may run at once by default: one core stays for the event loop
 * and one pool thread for everything else that needs the pool (file system, dns.lookup, zlib, crypto), at least 1.
 */
export const threadPoolShare = (cores: number = availableParallelism(), poolSize: number = threadPoolSize()): number =>
  Math.max(1, Math.min(cores - 1, poolSize - 1));
