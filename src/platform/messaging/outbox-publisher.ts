import type { LogConsumers } from '../consumers/log-consumer';
import { type RecordedEvent, traceOf } from '../event-store/event-store';
import { Unavailable } from '../../shared-kernel/errors';
import { DeliveryFailed, InProcessMessageBus } from './in-process.message-bus';
import { IntegrationEvents, type IntegrationMessage, type IntegrationTranslator, type MessageBus } from './message-bus';

export const OUTBOX_PUBLISHER = 'platform.outbox-publisher';
/** In one process, each subscriber reads the log as consumer `subscriber.<name>`. */
export const SUBSCRIBER_CONSUMER_PREFIX = 'subscriber.';
const TRANSLATION_CACHE_SIZE = 4096;

export type OutboxPublisherOptions = {
  /** failed publishes of one event before the log consumer dead-letters it (default: the consumers' default) */
  maxAttempts?: number;
  /** with the in-process bus, one log consumer per subscriber instead of one publisher (default true) */
  consumerPerSubscriber?: boolean;
};

/**
 * The outbox relay. The event log is the outbox: one checkpointed log consumer (`platform.outbox-publisher`) maps
 * every event through the registered translators and publishes the result, so a message leaves only after its event
 * committed, and the checkpoint advances only after the bus confirmed it. Message ids derive from the event id (the
 * event id itself, or `<eventId>:<n>` when an event becomes several messages), so a republish after a crash carries
 * the same ids and subscribers' inboxes drop it.
 *
 * Wiring: contexts call `registerTranslator` while the application is assembled; the composition root calls
 * `install()` once afterwards, before `LogConsumers.start()`. A translator registered after `install()` is refused,
 * since the events it would have translated may already be past the checkpoint.
 */
export class OutboxPublisher extends IntegrationEvents {
  private readonly translators = new Map<string, IntegrationTranslator>();
  private installed = false;
  /** Recent translations by event id: every in-process subscriber's consumer reads the same events (the bus copies
   *  each message it delivers, so sharing them is safe). */
  private readonly translated = new Map<string, IntegrationMessage[]>();
  private published = 0;

  constructor(
    private readonly consumers: LogConsumers,
    private readonly bus: MessageBus,
    private readonly options: OutboxPublisherOptions = {},
  ) {
    super();
  }

  registerTranslator(name: string, translator: IntegrationTranslator): void {
    if (this.installed) throw new Error(`translator ${name} registered after the outbox publisher was installed`);
    if (this.translators.has(name)) throw new Error(`translator ${name} is already registered`);
    this.translators.set(name, translator);
  }

  /**
   * Registers the log consumer(s); call once, after every context registered its translators and subscribed.
   *
   * With a broker, one consumer publishes every message. With the in-process bus there is nothing to carry messages
   * between processes, so each subscriber reads the log itself through the translators, on its own checkpoint: the
   * checkout process, inventory and payment advance in parallel instead of waiting in one publisher's batches, and
   * delivery stays at-least-once with the same message ids (the subscribers' inboxes still dedupe).
   */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    if (this.bus instanceof InProcessMessageBus && this.options.consumerPerSubscriber !== false) {
      const bus = this.bus;
      const consumeFor = (subscriber: string) => this.registerSubscriberConsumer(bus, subscriber);
      for (const subscriber of bus.handOver(consumeFor)) consumeFor(subscriber);
      return;
    }
    this.consumers.register({
      name: OUTBOX_PUBLISHER,
      relay: true,
      maxAttempts: this.options.maxAttempts,
      handle: (event) => this.publish([event]),
      handleBatch: (events) => this.publish(events),
    });
  }

  /** The messages an event becomes, with ids, correlation, causation and trace context taken from the event. */
  translate(event: RecordedEvent): IntegrationMessage[] {
    // a traced log consumer's copy of an event carries that consumer's trace context: its translation is another
    const { eventId, traceparent } = event.metadata;
    const key = traceparent ? `${eventId} ${traceparent}` : eventId;
    const known = this.translated.get(key);
    if (known) return known;
    const messages = this.translateNow(event);
    if (this.translated.size >= TRANSLATION_CACHE_SIZE) this.translated.delete(this.translated.keys().next().value!);
    this.translated.set(key, messages);
    return messages;
  }

  private translateNow(event: RecordedEvent): IntegrationMessage[] {
    const produced = [...this.translators.values()].flatMap((translate) => {
      const result = translate(event);
      return result === null ? [] : Array.isArray(result) ? result : [result];
    });
    const { eventId, correlationId, occurredAt } = event.metadata;
    const trace = traceOf(event.metadata);
    return produced.map((message, i) => ({
      ...message,
      id: produced.length === 1 ? eventId : `${eventId}:${i}`,
      occurredAt: message.occurredAt || occurredAt,
      correlationId,
      causationId: eventId,
      ...trace,
    }));
  }

  /** Messages confirmed by the bus since this process started (a metric; republished messages count again). */
  get publishedCount(): number {
    return this.published;
  }

  /** Events in the log not yet passed by the slowest publishing consumer. */
  async lag(): Promise<number> {
    const mine = (await this.consumers.status()).filter(
      (s) => s.name === OUTBOX_PUBLISHER || s.name.startsWith(SUBSCRIBER_CONSUMER_PREFIX),
    );
    return Math.max(0, ...mine.map((s) => s.lag));
  }

  /** A subscriber's own log consumer: it reads the log from the start (its inbox drops what it already applied). */
  private registerSubscriberConsumer(bus: InProcessMessageBus, subscriber: string): void {
    const deliver = (events: RecordedEvent[]) => this.deliverTo(bus, subscriber, events);
    const types = new Set(bus.typesOf(subscriber));
    this.consumers.register({
      name: `${SUBSCRIBER_CONSUMER_PREFIX}${subscriber}`,
      relay: true,
      wants: (event) => this.translate(event).some((message) => types.has(message.type)),
      maxAttempts: this.options.maxAttempts,
      handle: (event) => deliver([event]),
      handleBatch: deliver,
    });
  }

  private async deliverTo(bus: InProcessMessageBus, subscriber: string, events: RecordedEvent[]): Promise<void> {
    const messages = events.flatMap((event) => this.translate(event));
    if (messages.length === 0) return;
    await bus.deliverTo(subscriber, messages);
    this.published += messages.length;
  }

  /** One publish per batch: a broker confirms the whole batch in one round trip. */
  private async publish(events: RecordedEvent[]): Promise<void> {
    const messages = events.flatMap((event) => this.translate(event));
    if (messages.length === 0) return;
    try {
      await this.bus.publish(messages);
    } catch (error) {
      // a subscriber that keeps failing is a bug to dead-letter; a transport that fails is an outage to wait out
      if (error instanceof DeliveryFailed || error instanceof AggregateError) throw error;
      throw new Unavailable('messaging.bus_unavailable', 'the message bus did not accept the messages', { cause: String(error) });
    }
    this.published += messages.length;
  }
}
