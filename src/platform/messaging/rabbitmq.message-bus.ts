import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { connect as manageConnection, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
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
import { consumeMessage, withHeaderTrace } from '../observability/tracing-consumers';
import { brokerUnavailable, closeManager, drained, isClosedChannelError, openManagedChannel } from './rabbitmq.connection';
import { deadLetterOptions, declareSubscriberQueues, publishOptions, queuesOf, rejections } from './rabbitmq.topology';

export type RabbitMqBusOptions = Partial<DeliveryPolicy> & {
  /** durable topic exchange every message is published to (default 'orderly.events') */
  exchange?: string;
  /** put before each subscriber's queue name, e.g. 'staging.' gives `staging.<subscriber>` (default '': the subscriber's name) */
  queuePrefix?: string;
  /** unacknowledged messages per subscriber, handled concurrently (default 64) */
  prefetch?: number;
  /** wait between reconnection attempts after the connection is lost (default 1000) */
  reconnectDelayMs?: number;
  /** AMQP heartbeat: a silent broker counts as lost after about twice this (default 5) */
  heartbeatSeconds?: number;
  /** how long `connect` waits for the first connection (default 10000) */
  connectTimeoutMs?: number;
  logger?: BusLogger;
  /** told of each delivery sent round the retry queue and each message parked in a `.dlq` */
  observer?: BusObserver;
};

type Subscription = {
  subscriber: string;
  queue: string;
  handler: MessageHandler;
  /** the channel of the current connection's consumer, and its tag; replaced on each reconnection */
  channel?: Channel;
  consumerTag?: string;
  wrapper?: ChannelWrapper;
};

/**
 * RabbitMQ transport. Messages go to one durable topic exchange with the message type as routing key, persistent,
 * under publisher confirms. Each subscriber owns a durable queue `<queuePrefix><subscriber>` bound to its types; a
 * handler failure rejects the message into `<queue>.retry`, whose TTL (`retryDelayMs`) dead-letters it back to the
 * queue; the delivery that reaches `maxDeliveries` (counted from the `x-death` header) is parked in `<queue>.dlq`.
 * The retry delay is fixed per queue: changing it needs the `.retry` queue deleted first.
 *
 * The connection is managed by amqp-connection-manager: once lost it is opened again every `reconnectDelayMs`, and
 * each channel's setup declares its topology and starts its consumer again on the new connection. Publishing never
 * queues in memory: while disconnected `publish` rejects at once with an outage (`Unavailable`), so the outbox keeps
 * the messages and publishes them again later.
 */
export class RabbitMqMessageBus extends MessageBus {
  private readonly subscriptions: Subscription[] = [];
  private readonly declared = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private publisher: ChannelWrapper | undefined;
  /** the confirm channel of the current connection, once its setup ran; undefined while disconnected */
  private publishing: ConfirmChannel | undefined;
  private closing: Promise<void> | undefined;
  private outageLogged = false;

  private constructor(
    private readonly manager: AmqpConnectionManager,
    private readonly exchange: string,
    private readonly queuePrefix: string,
    private readonly policy: DeliveryPolicy,
    private readonly prefetch: number,
    private readonly logger: BusLogger,
    private readonly observer: BusObserver,
  ) {
    super();
    manager.on('disconnect', ({ err }: { err?: Error }) => {
      this.publishing = undefined;
      if (!this.closing) this.logger.error('rabbitmq connection lost; reconnecting', { err });
    });
    manager.on('connectFailed', ({ err }: { err: Error }) => {
      if (!this.outageLogged && !this.closing) this.logger.warn('rabbitmq reconnection failed; retrying', { err });
      this.outageLogged = true;
    });
    manager.on('connect', () => {
      if (this.outageLogged) this.logger.warn('rabbitmq reconnected');
      this.outageLogged = false;
    });
  }

  /** Connects (waiting up to `connectTimeoutMs`), opens the publisher confirm channel and declares the exchange. */
  static async connect(url: string, options: RabbitMqBusOptions = {}): Promise<RabbitMqMessageBus> {
    const manager = manageConnection([url], {
      heartbeatIntervalInSeconds: options.heartbeatSeconds ?? 5,
      reconnectTimeInSeconds: (options.reconnectDelayMs ?? 1000) / 1000,
      connectionOptions: { noDelay: true }, // no Nagle delay on confirms and acks
    });
    const policy = { maxDeliveries: options.maxDeliveries ?? 5, retryDelayMs: options.retryDelayMs ?? 1000 };
    const { exchange = 'orderly.events', queuePrefix = '', prefetch = 64, logger = defaultBusLogger(), observer = UNOBSERVED } = options;
    const bus = new RabbitMqMessageBus(manager, exchange, queuePrefix, policy, prefetch, logger, observer);
    try {
      await manager.connect({ timeout: options.connectTimeoutMs ?? 10_000 });
      const setupPublisher = async (channel: Channel) => {
        await channel.assertExchange(exchange, 'topic', { durable: true });
        channel.once('close', () => {
          if (bus.publishing === channel) bus.publishing = undefined;
        });
        bus.publishing = channel as ConfirmChannel;
      };
      bus.publisher = await openManagedChannel(manager, logger, 'publisher', true, setupPublisher, () => !!bus.closing);
      return bus;
    } catch (error) {
      await bus.close();
      throw error;
    }
  }

  /** Resolves once the broker confirmed every message: all are written first, then their confirms awaited together. */
  async publish(messages: IntegrationMessage[]): Promise<void> {
    this.ensureOpen();
    const channel = this.publishing;
    if (!channel || !this.manager.isConnected()) throw brokerUnavailable('not connected to the broker');
    await this.track(this.publishAll(channel, messages));
  }

  private async publishAll(channel: ConfirmChannel, messages: IntegrationMessage[]): Promise<void> {
    try {
      const confirms: Promise<void>[] = [];
      for (const m of messages) {
        const { confirm, written } = this.write((cb) =>
          channel.publish(this.exchange, m.type, Buffer.from(JSON.stringify(m)), publishOptions(m), cb),
        );
        confirms.push(confirm);
        if (!written) await drained(channel);
      }
      await Promise.all(confirms);
    } catch (error) {
      // The channel closed under the messages (its close listeners ran before their confirms were rejected).
      if (this.publishing !== channel || isClosedChannelError(error))
        throw brokerUnavailable('the connection was lost before the broker confirmed', error);
      throw error;
    }
  }

  /**
   * Declares the subscriber's queues and consumes them on a channel of its own, and does it again on each
   * reconnection. Rejects with an outage when the broker is not connected, or with the broker's error when the
   * topology cannot be declared.
   */
  async subscribe(subscriber: string, types: readonly string[], handler: MessageHandler): Promise<void> {
    this.ensureOpen();
    const queue = `${this.queuePrefix}${subscriber}`;
    for (const name of Object.values(queuesOf(queue))) this.declared.add(name);
    const subscription: Subscription = { subscriber, queue, handler };
    const setupConsumer = async (channel: Channel) => {
      await declareSubscriberQueues(channel, this.exchange, queue, types, this.policy);
      await channel.prefetch(this.prefetch);
      if (this.closing) return;
      const { consumerTag } = await channel.consume(queue, (raw) => this.receive(subscription, channel, raw));
      Object.assign(subscription, { channel, consumerTag });
    };
    const stopping = () => !!this.closing;
    subscription.wrapper = await openManagedChannel(this.manager, this.logger, `consumer ${subscriber}`, false, setupConsumer, stopping);
    this.subscriptions.push(subscription);
    this.observer.subscribed(subscriber);
  }

  /** The queues this bus declared (or tried to): each subscriber's queue, its `.retry` and its `.dlq`. */
  get queues(): string[] {
    return [...this.declared];
  }

  /** While connected with the publisher channel set up; false while reconnecting and once closed. */
  isConnected(): boolean {
    return !this.closing && this.manager.isConnected() && this.publishing !== undefined;
  }

  /** Never: a lost connection is opened again by itself, and closing is not a failure. */
  hasFailed(): boolean {
    return false;
  }

  /** Stops consuming, lets in-flight handlers and publishes finish, then closes the channels and the connection. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map(async (s) => s.channel && s.consumerTag && (await s.channel.cancel(s.consumerTag))));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.subscriptions.map((s) => s.wrapper?.close()), this.publisher?.close()]);
    await closeManager(this.manager);
  }

  private receive(subscription: Subscription, channel: Channel, raw: ConsumeMessage | null): void {
    if (raw === null) this.logger.error('rabbitmq cancelled the consumer (queue deleted?)', { subscriber: subscription.subscriber });
    // Arrived while close() runs: hand it straight back (a requeue is not counted as a failed delivery).
    else if (this.closing) this.settle(subscription, channel, raw, 'requeue');
    else void this.track(this.handle(subscription, channel, raw));
  }

  private async handle(subscription: Subscription, channel: Channel, raw: ConsumeMessage): Promise<void> {
    const deliveries = rejections(raw, subscription.queue) + 1;
    let message: IntegrationMessage;
    try {
      message = withHeaderTrace(JSON.parse(raw.content.toString('utf8')) as IntegrationMessage, (name) => raw.properties.headers?.[name]);
    } catch (error) {
      return this.park(subscription, channel, raw, error, deliveries);
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
      if (isOutage(error)) return this.settle(subscription, channel, raw, 'requeue');
      if (deliveries >= this.policy.maxDeliveries) return this.park(subscription, channel, raw, error, deliveries);
      this.settle(subscription, channel, raw, 'nack');
      return this.observer.retried(subscription.subscriber);
    }
    this.settle(subscription, channel, raw, 'ack');
  }

  /** Copies the message to `<queue>.dlq` (confirmed) and only then acknowledges it; if that fails, it goes round again. */
  private async park(subscription: Subscription, channel: Channel, raw: ConsumeMessage, error: unknown, deliveries: number): Promise<void> {
    const { queue, subscriber } = subscription;
    this.logger.error('message dead-lettered', { subscriber, messageId: raw.properties.messageId, deliveries, err: error });
    const headers = {
      ...raw.properties.headers,
      'x-orderly-subscriber': subscriber,
      'x-orderly-error': describeError(error),
      'x-orderly-deliveries': deliveries,
    };
    try {
      // still allowed while close() waits for in-flight handlers
      const publisher = this.publishing;
      if (!publisher) throw brokerUnavailable('not connected to the broker');
      const dlq = queuesOf(queue).dlq;
      await this.write((cb) => publisher.sendToQueue(dlq, raw.content, deadLetterOptions(raw, headers), cb)).confirm;
      this.settle(subscription, channel, raw, 'ack');
      this.observer.deadLettered(subscriber);
    } catch (parkError) {
      this.logger.error('could not park message', { subscriber, messageId: raw.properties.messageId, err: parkError });
      this.settle(subscription, channel, raw, 'nack');
    }
  }

  /**
   * On the channel that delivered the message (a delivery tag means nothing on another). nack = reject without
   * requeue: the queue's dead-letter route sends it through the retry queue (a counted delivery). requeue = back to
   * the head of its queue, not counted.
   */
  private settle(subscription: Subscription, channel: Channel, raw: ConsumeMessage, outcome: 'ack' | 'nack' | 'requeue'): void {
    try {
      if (outcome === 'ack') channel.ack(raw);
      else channel.nack(raw, false, outcome === 'requeue');
    } catch (error) {
      // The channel is gone; the broker redelivers the unacknowledged message to the next consumer.
      this.logger.warn(`could not ${outcome} message`, { subscriber: subscription.subscriber, err: error });
    }
  }

  /** Writes one message on a confirm channel; `confirm` settles on the broker's ack, `written` is false when the socket buffer is full. */
  private write(send: (cb: (error: unknown) => void) => boolean): { confirm: Promise<void>; written: boolean } {
    let written = true;
    const confirm = new Promise<void>((resolve, reject) => {
      written = send((error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
    });
    confirm.catch(() => undefined); // observed by the caller; this only keeps an early rejection from being unhandled
    return { confirm, written };
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.catch(() => undefined).finally(() => this.inFlight.delete(work));
    return work;
  }

  private ensureOpen(): void {
    if (this.closing) throw new Error('rabbitmq message bus is closed');
  }
}
