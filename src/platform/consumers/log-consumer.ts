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
  /**
   * Optional: handles a whole batch at once (e.g. one broker publish with one round of confirms). When it throws, the
   * batch is rolled back and handled again event by event through `handle`, so only the failing event is retried.
   */
  handleBatch?(events: RecordedEvent[], tx: Sql): Promise<void>;
  /**
   * Optional: whether an event concerns this consumer at all. Runs of events it does not want are passed over
   * without a transaction (the checkpoint is saved with the next batch, or every few seconds).
   */
  wants?(event: RecordedEvent): boolean;
  /**
   * Optional: its handlers append no events (a projection). Its batches then run in transactions that readers of the
   * log do not wait for (`TransactionOptions.appendsNoEvents`): a long batch holds no other consumer back.
   */
  appendsNoEvents?: boolean;
  /**
   * Optional: it only carries events on to a message bus (the outbox), whose subscribers each trace their handling:
   * it gets no consumer span of its own (see tracing-consumers.ts).
   */
  relay?: boolean;
  /** failures before the event goes to the dead-letter table (default 5) */
  maxAttempts?: number;
  /**
   * Present on projections: empties the read model, so the consumer can be rewound and replay the log from the start
   * (`npm run projections:rebuild`). Runs in the rewind's transaction, which holds the consumer's lease.
   */
  reset?(tx: Sql): Promise<void>;
};

export type ConsumerStatus = { name: string; checkpoint: string; lag: number; deadLetters: number };

/** Runs registered consumers: one instance at a time per consumer (lease), retries with backoff, dead letters. */
export abstract class LogConsumers {
  abstract register(consumer: LogConsumer): void;
  abstract start(): Promise<void>;
  /** Stops polling and waits for batches in flight. */
  abstract stop(): Promise<void>;
  /** Processes until every consumer (or only those named) has caught up with the log as it is now (tests, rebuilds). */
  abstract drain(names?: readonly string[]): Promise<void>;
  abstract status(): Promise<ConsumerStatus[]>;
  /** The consumers registered in this process, by name, with the event types each wants (none: every event). */
  abstract registered(): { name: string; types?: readonly string[] }[];
  /**
   * Calls `listener` with the events this process reads as they are committed to the log, while the consumers run:
   * in memory and best effort, to wake someone waiting for a fact (never for an effect that must happen; that is
   * what a consumer is for). Returns the function that stops it.
   */
  abstract watch(listener: (events: readonly RecordedEvent[]) => void): () => void;
  /** Names of the registered consumers that can be rebuilt (they have `reset`). */
  abstract projections(): string[];
  /**
   * In one transaction holding the consumer's lease: `reset` its read model, forget its retries and move its
   * checkpoint back to the start of the log. The consumer then replays everything (here, or in a running instance).
   */
  abstract rewind(name: string): Promise<void>;
}
