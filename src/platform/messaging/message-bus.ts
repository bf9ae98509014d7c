import type { Sql, TransactionOptions } from '../persistence/database';
import { type CommandMeta, type RecordedEvent, traceOf } from '../event-store/event-store';

/** A message on the wire between contexts: an integration event or a command. Plain JSON. */
export type IntegrationMessage<D = unknown> = {
  /** message id; consumers dedupe on it (inbox) */
  id: string;
  /** versioned wire name '<context>.<event-in-kebab>.v<N>' */
  type: string;
  occurredAt: string;
  correlationId: string;
  causationId?: string;
  /** W3C trace context of the span that produced it (absent while tracing is off); brokers carry it as headers too. */
  traceparent?: string;
  tracestate?: string;
  data: D;
};

export type MessageHandler = (message: IntegrationMessage) => Promise<void>;
/** Takes several messages at once, in the order they were published (their effects may then share one transaction). */
export type BatchHandler = (messages: IntegrationMessage[]) => Promise<void>;

/**
 * The outbox (the event log) as a bus sees it when it chooses how messages leave it (`MessageBus.relayFrom`): each
 * way is a checkpointed log consumer that maps events through the registered translators, so messages keep the ids
 * derived from their events whichever way they travel.
 */
export type OutboxLog = {
  /** One log consumer (`platform.outbox-publisher`) that publishes the messages of each batch of events on the bus. */
  publishAll(): void;
  /**
   * A log consumer of the subscriber's own (`subscriber.<name>`), on its own checkpoint: it reads from the start of
   * the log the events that become messages of `types`, and hands `deliver` each batch's messages (shared with the
   * other consumers: the bus delivers copies).
   */
  consumeFor(subscriber: string, types: readonly string[], deliver: (messages: IntegrationMessage[]) => Promise<void>): void;
};

/**
 * A subscriber that a transport runs inside `publish` (in-process) kept failing after its retries: `publish` rejects
 * with it (with several, an AggregateError of them). Unlike a transport that fails, which is an outage to wait out,
 * this is a bug: the outbox's log consumer retries the event and, in the end, dead-letters it.
 */
export class DeliveryFailed extends Error {
  constructor(
    readonly subscriber: string,
    readonly messageId: string,
    readonly attempts: number,
    options: ErrorOptions,
  ) {
    super(`subscriber ${subscriber} failed message ${messageId} ${attempts} times`, options);
    this.name = 'DeliveryFailed';
  }
}

/**
 * At-least-once transport between contexts. `publish` resolves only once the transport has taken the
 * messages (publisher confirms); a handler that throws gets the message again, up to a limit, then it is dead-lettered.
 */
export abstract class MessageBus {
  abstract publish(messages: IntegrationMessage[]): Promise<void>;
  /** `subscriber` names a durable subscription (queue / consumer); each subscriber receives every message of `types`. */
  abstract subscribe(subscriber: string, types: readonly string[], handler: MessageHandler): Promise<void>;
  /**
   * Like `subscribe`, for a handler that does better with several messages at once: a transport that delivers
   * batches (the in-process bus hands over what one read of the log brought) passes them whole, in order; the others
   * one message at a time. A batch that fails is delivered again, and again one message at a time once retries run out
   * where the transport can tell which message failed.
   */
  subscribeBatch(subscriber: string, types: readonly string[], handler: BatchHandler): Promise<void> {
    return this.subscribe(subscriber, types, (message) => handler([message]));
  }
  /**
   * Chooses how messages leave the outbox for this transport; the outbox publisher calls it once, from `install()`.
   * A broker carries messages to every subscriber, wherever it runs, so by default one log consumer publishes each
   * batch, confirmed in one round trip.
   */
  relayFrom(outbox: OutboxLog): void {
    outbox.publishAll();
  }
  /** Stops consuming and closes connections; in-flight handlers finish first. */
  abstract close(): Promise<void>;
  /**
   * Whether the transport can take messages now (readiness): the broker connection is up and the bus is not closed
   * or failed for good. In-process: until closed.
   */
  abstract isConnected(): boolean;
  /**
   * Whether the transport has given up for good: its connection is gone and it will not connect again by itself
   * (NATS once its reconnect attempts are spent; RabbitMQ never: it reconnects for as long as it runs). Only a restart
   * brings it back, so liveness fails on it. Never because of `close()`. In-process: never.
   */
  abstract hasFailed(): boolean;
}

/** The wire message an event becomes: id, correlation, causation and trace context taken from the event. */
export const messageFrom = <D>(event: RecordedEvent, type: string, data: D): IntegrationMessage<D> => ({
  id: event.metadata.eventId,
  type,
  occurredAt: event.metadata.occurredAt,
  correlationId: event.metadata.correlationId,
  causationId: event.metadata.eventId,
  ...traceOf(event.metadata),
  data,
});

/**
 * The meta of what a subscriber does for a message: caused by it, in its correlation and trace, under a command id
 * of the subscriber's own (`<message id>:<subscriber>`) — command ids are unique across the store, and several
 * subscribers act on one message.
 */
export const metaForMessage = (message: IntegrationMessage, subscriber: string, now: Date, userId?: string): CommandMeta => ({
  commandId: `${message.id}:${subscriber}`,
  correlationId: message.correlationId,
  causationId: message.id,
  ...(userId ? { userId } : {}),
  ...traceOf(message),
  now,
});

/** Maps a context's domain events to its public wire messages; null for facts that stay inside. */
export type IntegrationTranslator = (event: RecordedEvent) => IntegrationMessage | IntegrationMessage[] | null;

/** Where contexts register their translators; the outbox publisher consumes the log through them. */
export abstract class IntegrationEvents {
  abstract registerTranslator(name: string, translator: IntegrationTranslator): void;
  /** The wire messages a stored event becomes, exactly as the outbox publishes them (same ids). */
  abstract translate(event: RecordedEvent): IntegrationMessage[];
}

/**
 * The inbox transaction of a subscriber that only keeps a read model (it appends no events): readers of the log do
 * not wait for it (`TransactionOptions.appendsNoEvents`).
 */
export const READ_MODEL_ONLY: TransactionOptions = { appendsNoEvents: true };

/** Applies a message's effect once per subscriber: the inbox row and the effect commit in one transaction. */
export abstract class Inbox {
  /**
   * Returns false (and runs nothing) when the subscriber has already handled this message id. `options` are the
   * transaction's (e.g. `appendsNoEvents` for a subscriber that only keeps a read model).
   */
  abstract handleOnce(
    subscriber: string,
    messageId: string,
    work: (tx: Sql) => Promise<void>,
    options?: TransactionOptions,
  ): Promise<boolean>;
  /**
   * Several messages in one transaction: records every id not handled yet and runs `work` with those (none: nothing
   * runs). The rows and the effect commit together, or none of them.
   */
  abstract handleEachOnce(
    subscriber: string,
    messageIds: readonly string[],
    work: (tx: Sql, fresh: ReadonlySet<string>) => Promise<void>,
    options?: TransactionOptions,
  ): Promise<void>;
}
