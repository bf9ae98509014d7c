import { describe, expect, it } from 'vitest';
import { ConsumerStallWatch, type ConsumerPosition } from './health-consumers';

const STUCK_AFTER_MS = 60_000;
const at = (
  name: string,
  checkpoint: string,
  oldestUnprocessedAgeMs: number | null,
  retryOverdueMs: number | null = null,
): ConsumerPosition => ({ name, checkpoint, oldestUnprocessedAgeMs, retryOverdueMs });

describe('ConsumerStallWatch', () => {
  it('calls a consumer stuck when old work waits and its checkpoint stood still for the threshold', () => {
    const watch = new ConsumerStallWatch(STUCK_AFTER_MS);
    expect(watch.stuck([at('ordering.checkout', '7/10', 61_000)], 0)).toEqual([]); // first seen: benefit of the doubt
    expect(watch.stuck([at('ordering.checkout', '7/10', 90_000)], 30_000)).toEqual([]); // still, but not for long enough
    expect(watch.stuck([at('ordering.checkout', '7/10', 121_000)], 60_000)).toEqual(['ordering.checkout']);
  });

  it('never calls a consumer that moves stuck, however far behind and however often it is checked', () => {
    const watch = new ConsumerStallWatch(STUCK_AFTER_MS);
    for (let check = 0; check < 100; check++) {
      // a checkpoint that moves every 5 s, checked every second: some checks see it where the last one did
      const checkpoint = `7/${Math.floor(check / 5)}`;
      expect(watch.stuck([at('catalog.products', checkpoint, 3_600_000)], check * 1000)).toEqual([]);
    }
  });

  it('never calls an idle consumer stuck: nothing waits for it, however long it stands still', () => {
    const watch = new ConsumerStallWatch(STUCK_AFTER_MS);
    for (const now of [0, 60_000, 3_600_000]) expect(watch.stuck([at('subscriber.analytics.sales', '9/99', null)], now)).toEqual([]);
  });

  it('does not call a consumer stuck for young work, however long its checkpoint stood still before it', () => {
    const watch = new ConsumerStallWatch(STUCK_AFTER_MS);
    watch.stuck([at('payment.payments', '3/3', null)], 0);
    expect(watch.stuck([at('payment.payments', '3/3', 1_000)], 3_600_000)).toEqual([]);
    expect(watch.stuck([at('payment.payments', '3/3', 61_000)], 3_660_000)).toEqual(['payment.payments']);
  });

  it('starts the clock again when a stuck consumer moves, and tells consumers apart', () => {
    const watch = new ConsumerStallWatch(STUCK_AFTER_MS);
    watch.stuck([at('a', '1/1', 61_000), at('b', '1/1', 61_000)], 0);
    expect(watch.stuck([at('a', '1/1', 121_000), at('b', '1/1', 121_000)], 60_000)).toEqual(['a', 'b']);
    expect(watch.stuck([at('a', '1/2', 121_000), at('b', '1/1', 122_000)], 61_000)).toEqual(['b']);
    expect(watch.stuck([at('a', '1/2', 150_000), at('b', '1/1', 150_000)], 90_000)).toEqual(['b']);
    expect(watch.stuck([at('a', '1/2', 181_000), at('b', '1/1', 181_000)], 121_000)).toEqual(['a', 'b']);
  });

  it('never calls a consumer stuck while it retries a recorded failure, however long its work waits', () => {
    const watch = new ConsumerStallWatch(STUCK_AFTER_MS);
    // a mail server down: the retry is scheduled again and again, the checkpoint stays where it is
    for (const [now, overdue] of [
      [0, -100],
      [60_000, -30_000],
      [3_600_000, 5_000],
      [7_200_000, STUCK_AFTER_MS],
    ] as const) {
      expect(watch.stuck([at('notifications.mail', '4/40', now + 61_000, overdue)], now)).toEqual([]);
    }
  });

  it('calls a failing consumer stuck once its retry is overdue by the threshold: nothing runs it any more', () => {
    const watch = new ConsumerStallWatch(STUCK_AFTER_MS);
    watch.stuck([at('notifications.mail', '4/40', 61_000, -1_000)], 0);
    expect(watch.stuck([at('notifications.mail', '4/40', 121_000, 30_000)], 60_000)).toEqual([]);
    expect(watch.stuck([at('notifications.mail', '4/40', 151_000, 60_001)], 90_000)).toEqual(['notifications.mail']);
  });
});
