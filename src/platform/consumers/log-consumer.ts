import type { RecordedEvent } from '../event-store/event-store';
import type { Sql } from '../persistence/database';

/**
 * A checkpointed consumer of the global event log (projection, process manager, integration publisher).
 * `handle` runs in a transaction that also advances the checkpoint, so a database effect is applied exactly once;
 * effects outside PostgreSQL are at-least-once and must be idempotent.
 */
export type LogConsumer = {
  /** processor id, e.g. 'ordering.order-summary' */
  name: string;
  /** event types it wants; omitted = every event */
  types?: readonly string[];
  handle(event: RecordedEvent, tx: Sql): Promise<void>;
  /** failures before the event goes to the dead-letter table (default 5) */
  maxAttempts?: number;
};

export type ConsumerStatus = { name: string; checkpoint: string; lag: number; deadLetters: number };

/** Runs registered consumers: one instance at a time per consumer (lease), retries with backoff, dead letters. */
export abstract class LogConsumers {
  abstract register(consumer: LogConsumer): void;
  abstract start(): Promise<void>;
  /** Stops polling and waits for batches in flight. */
  abstract stop(): Promise<void>;
  /** Processes until every consumer has caught up with the log as it is now (tests, rebuilds). */
  abstract drain(): Promise<void>;
  abstract status(): Promise<ConsumerStatus[]>;
}
