import { compareCheckpoints } from '../event-store/event-recording';
import type { LogCheckpoint, RecordedEvent } from '../event-store/event-store';
import type { LogConsumer } from './log-consumer';
import { eventsAfter, type LogTail, type TailRange } from './log-tail';

/** A registered consumer as this process runs it: where it stands in the log, and whether it has work. */
export type Running = {
  consumer: LogConsumer;
  /** whether an event concerns the consumer (a typed read returns only wanted events) */
  wants: (event: RecordedEvent) => boolean;
  /** batches of one consumer in this process run one after the other (loop and drain) */
  queue: Promise<unknown>;
  /** where the consumer has read the log to, as far as this process knows (undefined while a batch runs, or unknown) */
  caughtUp?: LogCheckpoint;
  /** the tail saw events the consumer wants, or it must look itself (unknown position, busy, behind) */
  hasWork: boolean;
  /** ranges the tail read while a batch ran: offered again once the batch is done */
  deferred: TailRange[];
  /** passed over unwanted events whose checkpoint is not saved yet, since `skippedSince` */
  skippedSince?: number;
  wake?: () => void;
};

/**
 * What a range the tail read means to one consumer: `work` (it holds an event the consumer wants, or the consumer
 * is further behind than the tail remembers: a batch finds out), `skipped` (nothing wanted: the consumer's position
 * moves to the range's end in memory, to be saved later), or `none` (already past it, or a batch is running: the
 * range is kept for when it is done).
 */
export const offerRange = (running: Running, range: TailRange, tail: LogTail): 'work' | 'skipped' | 'none' => {
  const at = running.caughtUp;
  if (!at) {
    if (!running.hasWork) running.deferred.push(range);
    return 'none';
  }
  if (compareCheckpoints(at, range.to) >= 0) return 'none';
  // a consumer a little behind the tail (its batch ended before the tail's last reads) skips what the tail still holds
  const unseen = compareCheckpoints(at, range.from) >= 0 ? eventsAfter(range, at) : tail.eventsBetween(at, range.to);
  if (!unseen || unseen.some(running.wants)) return 'work';
  running.caughtUp = range.to;
  if (running.skippedSince === undefined) {
    running.skippedSince = Date.now();
    running.wake?.(); // to sleep again, with the timer of the checkpoint's save
  }
  return 'skipped';
};

/** Milliseconds until the skipped position is due to be saved, `saveAfterMs` after the first skip (undefined: nothing skipped). */
export const skippedSaveDueIn = (running: Running, saveAfterMs: number): number | undefined =>
  running.skippedSince === undefined ? undefined : running.skippedSince + saveAfterMs - Date.now();
