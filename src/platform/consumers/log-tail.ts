import { compareCheckpoints } from '../event-store/event-recording';
import { LOG_START, type EventStore, type LogCheckpoint, type RecordedEvent } from '../event-store/event-store';
import type { Sql } from '../persistence/database';
import { READABLE_BELOW } from '../event-store/postgres.event-store.sql';
import { committedAfter } from './consumer-batch';

export type LoggedEvent = RecordedEvent & { transactionId: string };

/** Events newly readable in the log: every event after `from` up to and including `to`. */
export type TailRange = { from: LogCheckpoint; to: LogCheckpoint; events: readonly LoggedEvent[] };

export const positionOf = (event: LoggedEvent): LogCheckpoint => ({ transactionId: event.transactionId, position: event.globalPosition });

/** The events of `range` after `checkpoint`. */
export const eventsAfter = (range: TailRange, checkpoint: LogCheckpoint): readonly LoggedEvent[] =>
  compareCheckpoints(checkpoint, range.from) <= 0
    ? range.events
    : range.events.filter((e) => compareCheckpoints(positionOf(e), checkpoint) > 0);

/** How many of the latest events the tail keeps, so a consumer a little behind it can skip them without a read. */
const RECENT_EVENTS = 5_000;

/** The newest readable event: older transactions still running may yet commit events ordered before the newest committed one. */
const READABLE_END = `
  select e.transaction_id::text as transaction_id, e.global_position::text as position
  from es.events e
  where e.transaction_id < ${READABLE_BELOW}
  order by e.transaction_id desc, e.global_position desc
  limit 1`;

/**
 * The process's one reader of what is newly committed to the log. Each read hands the new events to every listener
 * (the consumers, which start a batch only when an event concerns them; waiters for a particular stream), so a
 * commit costs one read per process however many consumers run, and a quiet log costs one cheap look per poll.
 * Its position lives in memory only: consumers keep their own checkpoints.
 */
export class LogTail {
  private head?: LogCheckpoint;
  private readonly listeners = new Set<(range: TailRange) => void>();
  /** the last ranges read, newest last, at most RECENT_EVENTS events: what a consumer just behind the tail skips over */
  private readonly recent: TailRange[] = [];
  private recentCount = 0;

  constructor(
    private readonly db: Sql,
    private readonly store: EventStore,
    private readonly batchSize: number,
  ) {}

  /** Calls `listener` with every range read from now on; returns the function that stops it. */
  listen(listener: (range: TailRange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads after the head and hands the events out. `more`: a whole batch was read. `behind`: events committed after
   * the head are not readable yet (an older transaction is still open), so look again soon. `lookFirst`: ask whether
   * anything was committed before reading (one cheap statement when nothing was).
   */
  async advance(lookFirst = false): Promise<{ more: boolean; behind: boolean }> {
    if (!this.head) {
      const { rows } = await this.db.query<{ transaction_id: string; position: string }>(READABLE_END);
      this.head = rows[0] ? { transactionId: rows[0].transaction_id, position: rows[0].position } : LOG_START;
    }
    const from = this.head;
    if (lookFirst && !(await committedAfter(this.db, from))) return { more: false, behind: false };
    const { events, checkpoint } = await this.store.readAll(from, this.batchSize);
    if (events.length === 0) return { more: false, behind: await committedAfter(this.db, from) };
    this.head = checkpoint;
    const range: TailRange = { from, to: checkpoint, events };
    this.remember(range);
    for (const listener of this.listeners) listener(range);
    return { more: events.length >= this.batchSize, behind: false };
  }

  /**
   * The events after `after` up to `upTo` (a range's end), when the tail still holds all of them; undefined when
   * `after` is older than what it holds.
   */
  eventsBetween(after: LogCheckpoint, upTo: LogCheckpoint): readonly LoggedEvent[] | undefined {
    const first = this.recent.findIndex((range) => compareCheckpoints(range.to, after) > 0);
    if (first < 0 || compareCheckpoints(this.recent[first].from, after) > 0) return undefined;
    const events: LoggedEvent[] = [];
    for (const range of this.recent.slice(first)) {
      if (compareCheckpoints(range.from, upTo) >= 0) break;
      for (const event of eventsAfter(range, after)) if (compareCheckpoints(positionOf(event), upTo) <= 0) events.push(event);
    }
    return events;
  }

  private remember(range: TailRange): void {
    this.recent.push(range);
    this.recentCount += range.events.length;
    while (this.recent.length > 1 && this.recentCount - this.recent[0].events.length >= RECENT_EVENTS) {
      this.recentCount -= this.recent.shift()!.events.length;
    }
  }
}
