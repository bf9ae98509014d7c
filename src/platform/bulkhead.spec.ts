import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Unavailable } from '../shared-kernel/errors';
import { Bulkhead, threadPoolShare, threadPoolSize } from './bulkhead';

const refusal = { code: 'test.busy', detail: 'busy', retryAfterSeconds: 2 };

/** Tasks that run until the test lets them finish, recording how many ran at once. */
const gate = (bulkhead: Bulkhead) => {
  let running = 0;
  let mostAtOnce = 0;
  const waiting: (() => void)[] = [];
  const task = () =>
    new Promise<string>((resolve) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      waiting.push(() => {
        running--;
        resolve('done');
      });
    });
  /** Lets every task started so far finish, round after round, until the bulkhead holds none. */
  const settle = async () => {
    for (let round = 0; round < 1000; round++) {
      await new Promise((r) => setImmediate(r));
      if (bulkhead.running + bulkhead.queued === 0 && waiting.length === 0) return;
      waiting.splice(0).forEach((finish) => finish());
    }
    throw new Error('the bulkhead did not drain');
  };
  return { task, settle, mostAtOnce: () => mostAtOnce };
};

describe('Bulkhead', () => {
  it('runs at most `concurrency` tasks at once, queues `maxQueued` and refuses the rest with 503 Unavailable', async () => {
    const bulkhead = new Bulkhead({ concurrency: 2, maxQueued: 3, refusal });
    const { task, settle, mostAtOnce } = gate(bulkhead);
    const outcomes = Array.from({ length: 9 }, () => bulkhead.run(task).then(String, (error: unknown) => error));
    await new Promise((r) => setImmediate(r));
    expect(bulkhead.running).toBe(2);
    expect(bulkhead.queued).toBe(3);

    await settle();
    const settled = await Promise.all(outcomes);
    expect(settled.slice(0, 5)).toEqual(['done', 'done', 'done', 'done', 'done']);
    for (const refused of settled.slice(5)) {
      expect(refused).toBeInstanceOf(Unavailable);
      expect(refused).toMatchObject({ kind: 'unavailable', code: 'test.busy', details: { retryAfterSeconds: 2 } });
    }
    expect(mostAtOnce()).toBe(2);
    // once the queue has drained, work is taken again
    await expect(bulkhead.run(async () => 'again')).resolves.toBe('again');
  });

  it('a task that fails frees its place', async () => {
    const bulkhead = new Bulkhead({ concurrency: 1, maxQueued: 0, refusal });
    await expect(bulkhead.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(bulkhead.run(async () => 'next')).resolves.toBe('next');
  });

  it('for any bound and burst: never more than `concurrency` at once, exactly `concurrency + maxQueued` of a burst accepted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 20 }),
        async (concurrency, maxQueued, burst) => {
          const bulkhead = new Bulkhead({ concurrency, maxQueued, refusal });
          const { task, settle, mostAtOnce } = gate(bulkhead);
          const outcomes = Array.from({ length: burst }, () =>
            bulkhead.run(task).then(
              () => 'done' as const,
              () => 'refused' as const,
            ),
          );
          await settle();
          const settled = await Promise.all(outcomes);
          expect(settled.filter((o) => o === 'done')).toHaveLength(Math.min(burst, concurrency + maxQueued));
          expect(mostAtOnce()).toBeLessThanOrEqual(concurrency);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('threadPoolShare', () => {
  it('leaves a core and a pool thread free, and runs at least one', () => {
    expect(threadPoolShare(2, 4)).toBe(1);
    expect(threadPoolShare(4, 4)).toBe(3);
    // many cores: the pool (4 threads by default) is what bounds it
    expect(threadPoolShare(16, 4)).toBe(3);
    expect(threadPoolShare(16, 64)).toBe(15);
    expect(threadPoolShare(1, 4)).toBe(1);
    expect(threadPoolShare(8, 1)).toBe(1);
  });

  it('reads the pool size as libuv does', () => {
    expect(threadPoolSize(undefined)).toBe(4);
    expect(threadPoolSize('8')).toBe(8);
    expect(threadPoolSize('0')).toBe(1);
    expect(threadPoolSize('')).toBe(1);
    expect(threadPoolSize('5000')).toBe(1024);
  });
});
