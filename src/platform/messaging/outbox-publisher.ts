import type { LogConsumers } from '../consumers/log-consumer';
import type { RecordedEvent } from '../event-store/event-store';
import { IntegrationEvents, type IntegrationMessage, type IntegrationTranslator, type MessageBus } from './message-bus';

export const OUTBOX_PUBLISHER = 'platform.outbox-publisher';

export type OutboxPublisherOptions = {
  /** failed publishes of one event before the log consumer dead-letters it (default: the consumers' default) */
  maxAttempts?: number;
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

  /** Registers the log consumer; call once, after every context registered its translators. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    this.consumers.register({ name: OUTBOX_PUBLISHER, maxAttempts: this.options.maxAttempts, handle: (event) => this.publish(event) });
  }

  /** The messages an event becomes, with ids, correlation and causation taken from the event. */
  translate(event: RecordedEvent): IntegrationMessage[] {
    const produced = [...this.translators.values()].flatMap((translate) => {
      const result = translate(event);
      return result === null ? [] : Array.isArray(result) ? result : [result];
    });
    const { eventId, correlationId, traceparent, occurredAt } = event.metadata;
    return produced.map((message, i) => ({
      ...message,
      id: produced.length === 1 ? eventId : `${eventId}:${i}`,
      occurredAt: message.occurredAt || occurredAt,
      correlationId,
      causationId: eventId,
      ...(traceparent ? { traceparent } : {}),
    }));
  }

  /** Messages confirmed by the bus since this process started (a metric; republished messages count again). */
  get publishedCount(): number {
    return this.published;
  }

  /** Events in the log the publisher has not passed yet. */
  async lag(): Promise<number> {
    return (await this.consumers.status()).find((s) => s.name === OUTBOX_PUBLISHER)?.lag ?? 0;
  }

  private async publish(event: RecordedEvent): Promise<void> {
    const messages = this.translate(event);
    if (messages.length === 0) return;
    await this.bus.publish(messages);
    this.published += messages.length;
  }
}

/** What a translator returns for one wire type; the publisher sets the id, correlation and causation. */
export const messageFrom = <D>(event: RecordedEvent, type: string, data: D): IntegrationMessage<D> => ({
  id: event.metadata.eventId,
  type,
  occurredAt: event.metadata.occurredAt,
  correlationId: event.metadata.correlationId,
  causationId: event.metadata.eventId,
  data,
});
