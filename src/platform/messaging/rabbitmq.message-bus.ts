import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';
import { MessageBus, type IntegrationMessage, type MessageHandler } from './message-bus';
import { isOutage } from '../outage';
import {
  defaultBusLogger,
  describeError,
  UNOBSERVED,
  waitOutOutages,
  type BusLogger,
  type BusObserver,
  type DeliveryPolicy,
} from './delivery-policy';
import { consumeMessage, traceHeadersOf, withHeaderTrace } from '../observability/tracing-consumers';

export type RabbitMqBusOptions = Partial<DeliveryPolicy> & {
  /** durable topic exchange every message is published to (default 'orderly.events') */
  exchange?: string;
  /** put before each subscriber's queue name, e.g. 'staging.' gives `staging.<subscriber>` (default '': the subscriber's name) */
  queuePrefix?: string;
  /** unacknowledged messages per subscriber, handled concurrently (default 64) */
  prefetch?: number;
  logger?: BusLogger;
  /** told of each delivery sent round the retry queue and each message parked in a `.dlq` */
  observer?: BusObserver;
};

type Subscription = { subscriber: string; queue: string; channel: Channel; consumerTag: string; handler: MessageHandler };

/**
 * RabbitMQ transport. Messages go to one durable topic exchange with the message type as routing key, persistent,
 * under publisher confirms. Each subscriber owns a durable queue `<queuePrefix><subscriber>` bound to its types; a
 * handler failure rejects the message into `<queue>.retry`, whose TTL (`retryDelayMs`) dead-letters it back to the
 * queue; the delivery that reaches `maxDeliveries` (counted from the `x-death` header) is parked in `<queue>.dlq`.
 * The retry delay is fixed per queue: changing it needs the `.retry` queue deleted first.
 * No reconnection: after a connection or channel failure the error is logged and every publish rejects.
 */
export class RabbitMqMessageBus extends MessageBus {
  private readonly subscriptions: Subscription[] = [];
  private readonly declared = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly connection: ChannelModel,
    private readonly publisher: ConfirmChannel,
    private readonly exchange: string,
    private readonly queuePrefix: string,
    private readonly policy: DeliveryPolicy,
    private readonly prefetch: number,
    private readonly logger: BusLogger,
    private readonly observer: BusObserver,
  ) {
    super();
    connection.on('error', (error: Error) => this.fail(error, 'rabbitmq connection error'));
    connection.on('close', (error?: Error) => this.fail(error ?? new Error('rabbitmq connection closed'), 'rabbitmq connection closed'));
    publisher.on('error', (error: Error) => this.fail(error, 'rabbitmq publisher channel error'));
    publisher.on('close', () => this.fail(new Error('rabbitmq publisher channel closed'), 'rabbitmq publisher channel closed'));
  }

  /** Connects, opens the publisher confirm channel and declares the exchange. */
  static async connect(url: string, options: RabbitMqBusOptions = {}): Promise<RabbitMqMessageBus> {
    const exchange = options.exchange ?? 'orderly.events';
    const connection = await connect(url, { noDelay: true }); // no Nagle delay on confirms and acks
    try {
      const publisher = await connection.createConfirmChannel();
      await publisher.assertExchange(exchange, 'topic', { durable: true });
      const policy = { maxDeliveries: options.maxDeliveries ?? 5, retryDelayMs: options.retryDelayMs ?? 1000 };
      const { queuePrefix = '', prefetch = 64, logger = defaultBusLogger(), observer = UNOBSERVED } = options;
      return new RabbitMqMessageBus(connection, publisher, exchange, queuePrefix, policy, prefetch, logger, observer);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  /** Resolves once the broker confirmed every message: all are written first, then their confirms awaited together. */
  async publish(messages: IntegrationMessage[]): Promise<void> {
    this.ensureOpen();
    await this.track(this.publishAll(messages));
  }

  private async publishAll(messages: IntegrationMessage[]): Promise<void> {
    const confirms: Promise<void>[] = [];
    for (const m of messages) {
      const { confirm, written } = this.write((cb) =>
        this.publisher.publish(this.exchange, m.type, Buffer.from(JSON.stringify(m)), publishOptions(m), cb),
      );
      confirms.push(confirm);
      if (!written) await this.drained();
    }
    await Promise.all(confirms);
  }

  async subscribe(subscriber: string, types: readonly string[], handler: MessageHandler): Promise<void> {
    this.ensureOpen();
    const queue = `${this.queuePrefix}${subscriber}`;
    const channel = await this.connection.createChannel();
    channel.on('error', (error: Error) => this.logger.error('rabbitmq consumer channel error', { subscriber, err: error }));
    channel.on('close', () => {
      if (!this.closing) this.logger.error('rabbitmq consumer channel closed; no more deliveries', { subscriber });
    });
    for (const name of [queue, `${queue}.retry`, `${queue}.dlq`]) this.declared.add(name);
    await channel.assertQueue(queue, { durable: true, deadLetterExchange: '', deadLetterRoutingKey: `${queue}.retry` });
    await channel.assertQueue(`${queue}.retry`, {
      durable: true,
      messageTtl: this.policy.retryDelayMs,
      deadLetterExchange: '',
      deadLetterRoutingKey: queue,
    });
    await channel.assertQueue(`${queue}.dlq`, { durable: true });
    for (const type of types) await channel.bindQueue(queue, this.exchange, type);
    await channel.prefetch(this.prefetch);
    const subscription: Subscription = { subscriber, queue, channel, consumerTag: '', handler };
    const { consumerTag } = await channel.consume(queue, (raw) => {
      if (raw === null) this.logger.error('rabbitmq cancelled the consumer (queue deleted?)', { subscriber });
      // Arrived while close() runs: hand it straight back (a requeue is not counted as a failed delivery).
      else if (this.closing) channel.nack(raw, false, true);
      else void this.track(this.handle(subscription, raw));
    });
    subscription.consumerTag = consumerTag;
    this.subscriptions.push(subscription);
    this.observer.subscribed(subscriber);
  }

  /** The queues this bus declared (or tried to): each subscriber's queue, its `.retry` and its `.dlq`. */
  get queues(): string[] {
    return [...this.declared];
  }

  /** Until the connection or the publisher channel fails (there is no reconnection) or the bus closes. */
  isConnected(): boolean {
    return !this.failure && !this.closing;
  }

  /** Once the connection or the publisher channel failed: there is no reconnection. */
  hasFailed(): boolean {
    return this.failure !== undefined;
  }

  /** Stops consuming, lets in-flight handlers and publishes finish, then closes the channels and the connection. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((s) => s.channel.cancel(s.consumerTag)));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled(this.subscriptions.map((s) => s.channel.close()));
    await this.publisher.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }

  private async handle(subscription: Subscription, raw: ConsumeMessage): Promise<void> {
    const deliveries = rejections(raw, subscription.queue) + 1;
    let message: IntegrationMessage;
    try {
      message = withHeaderTrace(JSON.parse(raw.content.toString('utf8')) as IntegrationMessage, (name) => raw.properties.headers?.[name]);
    } catch (error) {
      return this.park(subscription, raw, error, deliveries);
    }
    try {
      const fields = { subscriber: subscription.subscriber, messageId: raw.properties.messageId };
      await consumeMessage('rabbitmq', subscription.subscriber, message, (traced) =>
        waitOutOutages(
          () => subscription.handler(traced),
          this.policy.retryDelayMs,
          () => !!this.closing,
          this.logger,
          fields,
        ),
      );
    } catch (error) {
      // closing during an outage: back to the queue as it was, without counting a delivery
      if (isOutage(error)) return this.settle(subscription, raw, 'requeue');
      if (deliveries >= this.policy.maxDeliveries) return this.park(subscription, raw, error, deliveries);
      this.settle(subscription, raw, 'nack');
      return this.observer.retried(subscription.subscriber);
    }
    this.settle(subscription, raw, 'ack');
  }

  /** Copies the message to `<queue>.dlq` (confirmed) and only then acknowledges it; if that fails, it goes round again. */
  private async park(subscription: Subscription, raw: ConsumeMessage, error: unknown, deliveries: number): Promise<void> {
    const { queue, subscriber } = subscription;
    const reason = describeError(error);
    this.logger.error('message dead-lettered', { subscriber, messageId: raw.properties.messageId, deliveries, err: error });
    const headers = {
      ...raw.properties.headers,
      'x-orderly-subscriber': subscriber,
      'x-orderly-error': reason,
      'x-orderly-deliveries': deliveries,
    };
    try {
      if (this.failure) throw this.failure; // still allowed while close() waits for in-flight handlers
      const { messageId, type, correlationId, timestamp } = raw.properties as {
        messageId?: string;
        type?: string;
        correlationId?: string;
        timestamp?: number;
      };
      const options: Options.Publish = {
        persistent: true,
        contentType: 'application/json',
        messageId,
        type,
        correlationId,
        timestamp,
        headers,
      };
      await this.write((cb) => this.publisher.sendToQueue(`${queue}.dlq`, raw.content, options, cb)).confirm;
      this.settle(subscription, raw, 'ack');
      this.observer.deadLettered(subscriber);
    } catch (parkError) {
      this.logger.error('could not park message', { subscriber, messageId: raw.properties.messageId, err: parkError });
      this.settle(subscription, raw, 'nack');
    }
  }

  /** nack = reject without requeue: the queue's dead-letter route sends it through the retry queue (a counted delivery).
   *  requeue = back to the head of its queue, not counted. */
  private settle(subscription: Subscription, raw: ConsumeMessage, outcome: 'ack' | 'nack' | 'requeue'): void {
    try {
      if (outcome === 'ack') subscription.channel.ack(raw);
      else subscription.channel.nack(raw, false, outcome === 'requeue');
    } catch (error) {
      // The channel is gone; the broker redelivers the unacknowledged message to the next consumer.
      this.logger.warn(`could not ${outcome} message`, { subscriber: subscription.subscriber, err: error });
    }
  }

  /** Writes one message on the confirm channel; `confirm` settles on the broker's ack, `written` is false when the socket buffer is full. */
  private write(send: (cb: (error: unknown) => void) => boolean): { confirm: Promise<void>; written: boolean } {
    let written = true;
    const confirm = new Promise<void>((resolve, reject) => {
      written = send((error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
    });
    confirm.catch(() => undefined); // observed by the caller; this only keeps an early rejection from being unhandled
    return { confirm, written };
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure) return resolve();
      const done = () => {
        this.publisher.off('drain', done).off('close', done);
        resolve();
      };
      this.publisher.once('drain', done).once('close', done);
    });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.catch(() => undefined).finally(() => this.inFlight.delete(work));
    return work;
  }

  private ensureOpen(): void {
    if (this.failure) throw new Error(`rabbitmq message bus unavailable: ${this.failure.message}`, { cause: this.failure });
    if (this.closing) throw new Error('rabbitmq message bus is closed');
  }

  private fail(error: Error, what: string): void {
    if (this.closing || this.failure) return;
    this.failure = error;
    this.logger.error(what, { err: error });
  }
}

const publishOptions = (m: IntegrationMessage): Options.Publish => ({
  persistent: true,
  contentType: 'application/json',
  messageId: m.id,
  type: m.type,
  correlationId: m.correlationId,
  timestamp: Math.floor(Date.parse(m.occurredAt) / 1000) || undefined,
  headers: traceHeadersOf(m),
});

/** How many times this queue rejected the message before (RabbitMQ counts it in `x-death`). */
const rejections = (raw: ConsumeMessage, queue: string): number => {
  const deaths: unknown = raw.properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return 0;
  const entry = deaths.find((d: { queue?: string; reason?: string }) => d.queue === queue && d.reason === 'rejected') as
    { count?: unknown } | undefined;
  return Number(entry?.count ?? 0);
};
