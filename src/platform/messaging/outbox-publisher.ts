import type { LogConsumers } from '../consumers/log-consumer';
import { type RecordedEvent, traceOf } from '../event-store/event-store';
import { Unavailable } from '../../shared-kernel/errors';
import {
  DeliveryFailed,
  IntegrationEvents,
  type IntegrationMessage,
  type IntegrationTranslator,
  type MessageBus,
  type OutboxLog,
} from './message-bus';

export const OUTBOX_PUBLISHER = 'platform.outbox-publisher';
/** A subscriber that reads the log itself (`OutboxLog.consumeFor`) does so as consumer `subscriber.<name>`. */
export const SUBSCRIBER_CONSUMER_PREFIX = 'subscriber.';
const TRANSLATION_CACHE_SIZE = 4096;

export type OutboxPublisherOptions = {
  /** failed publishes of one event before the log consumer dead-letters it (default: the consumers' default) */
  maxAttempts?: number;
};

/**
 * The outbox relay. The event log is the outbox: checkpointed log consumers map every event through the registered
 * translators and hand the result to the bus, so a message leaves only after its event committed, and a checkpoint
 * advances only after the bus confirmed it. The bus chooses the consumers (`MessageBus.relayFrom`): one publisher
 * (`platform.outbox-publisher`) for a broker, one consumer per subscriber for the in-process bus. Message ids derive
 * from the event id (the event id itself, or `<eventId>:<n>` when an event becomes several messages), so a republish
 * after a crash carries the same ids and subscribers' inboxes drop it.
 *
 * Wiring: contexts call `registerTranslator` while the application is assembled; the composition root calls
 * `install()` once afterwards, before `LogConsumers.start()`. A translator registered after `install()` is refused,
 * since the events it would have translated may already be past the checkpoint.
 */
export class OutboxPublisher extends IntegrationEvents {
  private readonly translators = new Map<string, IntegrationTranslator>();
  private installed = false;
  /** Recent translations by event id: every subscriber's own consumer reads the same events (a bus delivers copies
   *  of the messages, so sharing them is safe). */
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
   * Registers the log consumer(s) the bus chooses; call once, after every context registered its translators and
   * subscribed.
   */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    const outbox: OutboxLog = {
      publishAll: () => this.registerPublisher(),
      consumeFor: (subscriber, types, deliver) => this.registerSubscriberConsumer(subscriber, types, deliver),
    };
    this.bus.relayFrom(outbox);
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

  private registerPublisher(): void {
    this.consumers.register({
      name: OUTBOX_PUBLISHER,
      relay: true,
      maxAttempts: this.options.maxAttempts,
      handle: (event) => this.publish([event]),
      handleBatch: (events) => this.publish(events),
    });
  }

  /** A subscriber's own log consumer: it reads the log from the start (its inbox drops what it already applied). */
  private registerSubscriberConsumer(
    subscriber: string,
    types: readonly string[],
    deliver: (messages: IntegrationMessage[]) => Promise<void>,
  ): void {
    const wanted = new Set(types);
    const deliverEvents = async (events: RecordedEvent[]) => {
      const messages = events.flatMap((event) => this.translate(event));
      if (messages.length === 0) return;
      await deliver(messages);
      this.published += messages.length;
    };
    this.consumers.register({
      name: `${SUBSCRIBER_CONSUMER_PREFIX}${subscriber}`,
      relay: true,
      wants: (event) => this.translate(event).some((message) => wanted.has(message.type)),
      maxAttempts: this.options.maxAttempts,
      handle: (event) => deliverEvents([event]),
      handleBatch: deliverEvents,
    });
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
