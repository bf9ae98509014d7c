import { isAppliedOnce, type Sql } from '../persistence/database';
import type { RecordedEvent } from './event-store';

/**
 * Streams read ahead, in one round trip, for the decisions a batch makes in its transaction: without it, each decision
 * reads its stream alone, and a batch of n orders waits for n reads one after the other. Only in a transaction that
 * applies its messages once (an inbox or checkpoint transaction, see `markAppliedOnce`): there, no command of the
 * batch can have a recorded result to find, so a decision needs the stream's events and nothing else. What the
 * transaction appends is added to the copy; a stream whose append lost a race is forgotten, so the retry reads it again.
 * A copy older than a concurrent append is as safe as a read of its own: the append's expected version refuses it.
 */
export class PreloadedStreams {
  private readonly byTransaction = new WeakMap<Sql, Map<string, RecordedEvent[]>>();

  /** Keeps the streams read for `tx` (every one asked for, those without events as empty). */
  keep(tx: Sql, streams: readonly string[], events: readonly RecordedEvent[]): void {
    if (!isAppliedOnce(tx)) return;
    const kept = this.byTransaction.get(tx) ?? new Map<string, RecordedEvent[]>();
    for (const stream of streams) kept.set(stream, []);
    for (const event of events) kept.get(event.stream)?.push(event);
    this.byTransaction.set(tx, kept);
  }

  /** The stream's events from `fromVersion`, when it was read ahead for this transaction. */
  read(tx: Sql | undefined, stream: string, fromVersion = 1): RecordedEvent[] | undefined {
    const events = tx && this.byTransaction.get(tx)?.get(stream);
    return events ? events.filter((event) => event.version >= fromVersion) : undefined;
  }

  /** Adds what the transaction appended to a stream it read ahead. */
  appended(tx: Sql | undefined, stream: string, events: readonly RecordedEvent[]): void {
    if (tx)
      this.byTransaction
        .get(tx)
        ?.get(stream)
        ?.push(...events);
  }

  /** Drops a stream whose copy may be behind (an append to it lost a race). */
  forget(tx: Sql | undefined, stream: string): void {
    if (tx) this.byTransaction.get(tx)?.delete(stream);
  }
}
