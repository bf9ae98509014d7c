import { describe, expect, it } from 'vitest';
import { outageRetryMs, retryBackoffMs } from './consumer-batch';

describe('retry delays of the log consumers', () => {
  it('backs a failing handler off from 100 ms, doubling, to at most 30 s', () => {
    expect([1, 2, 3, 4].map(retryBackoffMs)).toEqual([100, 200, 400, 800]);
    expect(retryBackoffMs(10)).toBe(30_000);
    expect(retryBackoffMs(50)).toBe(30_000);
  });

  it('retries after an outage from 250 ms, doubling, to at most 2 s however long it lasts', () => {
    expect([1, 2, 3, 4, 5].map(outageRetryMs)).toEqual([250, 500, 1000, 2000, 2000]);
    expect(outageRetryMs(1000)).toBe(2000);
  });

  it('waits out a long outage far sooner than the backoff of a handler that failed as often', () => {
    for (let retries = 1; retries <= 20; retries++) expect(outageRetryMs(retries)).toBeLessThanOrEqual(2000);
    expect(retryBackoffMs(12)).toBeGreaterThan(10 * outageRetryMs(12));
  });
});
