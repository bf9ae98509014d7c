import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { MessageBus, type IntegrationMessage, type MessageHandler } from './message-bus';
import type { NatsBusOptions, NatsBusSettings as Settings } from './nats.options';

export type { NatsBusOptions } from './nats.options';
import { isOutage } from '../outage';
import { defaultBusLogger, describeError, UNOBSERVED, waitOutOutages, type BusLogger, type BusObserver } from './delivery-policy';
import { consumeMessage, withHeaderTrace } from '../observability/tracing-consumers';
import {
  brokerUnavailable,
  consumerName,
  deadLetterHeaders,
  durableConsumer,
  ensureStreams,
  natsTraceHeaders,
  openConsumer,
  pullUntilClosed,
  type DurableConsumer,
} from './nats.jetstream';

type Subscription = {
  subscriber: string;
  consumer: string;
  config: DurableConsumer;
  messages: ConsumerMessages;
  handler: MessageHandler;
  loop?: Promise<void>;
};

/** Published concurrently at most this many at a time; the PubAcks are awaited per window. */
const PUBLISH_WINDOW = 256;

/**
 * NATS JetStream transport. One stream on `<prefix>.>`; `publish` awaits each PubAck and sets the message id as
 * `Nats-Msg-Id`, so the server drops a republish within the duplicate window. A subscriber gets one durable pull
 * consumer per type (`<consumerPrefix><subscriber>__<type>`, '.' written '_'): NATS 2.9 allows one filter subject
 * per consumer, and one layout for every server version keeps the consumers' positions when the server is upgraded.
 * A failed handler naks with `retryDelayMs`; the delivery that reaches `maxDeliveries` is copied to
 * `<prefix>-dlq.<type>` in `<stream>_DLQ` (PubAck awaited) and then terminated. Consumers have no server-side
 * max_deliver, so a message whose handler never answered (crash, ack timeout) is still counted and dead-lettered,
 * not dropped.
 */
export class NatsMessageBus extends MessageBus {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: Error | undefined;
  private connected = true;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly settings: Settings,
    private readonly logger: BusLogger,
    private readonly observer: BusObserver,
  ) {
    super();
    void this.watch();
  }

  /** Connects and creates the stream and its dead-letter stream when missing. */
  static async connect(url: string, options: NatsBusOptions = {}): Promise<NatsMessageBus> {
    const settings: Settings = {
      stream: options.stream ?? 'ORDERLY',
      subjectPrefix: options.subjectPrefix ?? 'orderly',
      consumerPrefix: options.consumerPrefix ?? '',
      maxDeliveries: options.maxDeliveries ?? 5,
      retryDelayMs: options.retryDelayMs ?? 1000,
      prefetch: options.prefetch ?? 64,
      ackWaitMs: options.ackWaitMs ?? 30_000,
      publishTimeoutMs: options.publishTimeoutMs ?? 5_000,
      reconnectWaitMs: options.reconnect?.waitMs ?? 1_000,
    };
    const nc = await connect({
      servers: url,
      name: 'orderly',
      maxReconnectAttempts: options.reconnect?.maxAttempts ?? -1,
      reconnectTimeWait: settings.reconnectWaitMs,
    });
    try {
      const jsm = await jetstreamManager(nc);
      await ensureStreams(jsm, {
        stream: settings.stream,
        subjectPrefix: settings.subjectPrefix,
        duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
        maxAgeMs: options.maxAgeMs ?? 7 * 24 * 3600_000,
      });
      return new NatsMessageBus(nc, jetstream(nc), jsm, settings, options.logger ?? defaultBusLogger(), options.observer ?? UNOBSERVED);
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Rejects with `Unavailable` (an outage, waited out by the outbox) when the server does not take the messages: at
   * once while disconnected (the client would buffer them until it reconnects), else after `publishTimeoutMs`.
   */
  async publish(messages: IntegrationMessage[]): Promise<void> {
    this.ensureOpen();
    if (!this.connected) throw brokerUnavailable(new Error('disconnected from the nats server'));
    try {
      await this.track(this.publishAll(messages));
    } catch (error) {
      throw brokerUnavailable(error);
    }
  }

  private async publishAll(messages: IntegrationMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += PUBLISH_WINDOW) {
      await Promise.all(
        messages.slice(i, i + PUBLISH_WINDOW).map((m) =>
          this.js.publish(`${this.settings.subjectPrefix}.${m.type}`, JSON.stringify(m), {
            msgID: m.id,
            headers: natsTraceHeaders(m),
            timeout: this.settings.publishTimeoutMs,
          }),
        ),
      );
    }
  }

  async subscribe(subscriber: string, types: readonly string[], handler: MessageHandler): Promise<void> {
    this.ensureOpen();
    const { stream, subjectPrefix, consumerPrefix, prefetch, ackWaitMs } = this.settings;
    for (const type of types) {
      const consumer = consumerName(`${consumerPrefix}${subscriber}`, type);
      const config = durableConsumer(consumer, `${subjectPrefix}.${type}`, { ackWaitMs, prefetch });
      const messages = await openConsumer(this.js, this.jsm, stream, config, prefetch);
      const subscription: Subscription = { subscriber, consumer, config, messages, handler };
      subscription.loop = this.pull(subscription);
      this.subscriptions.push(subscription);
    }
    this.observer.subscribed(subscriber);
  }

  /** Connected to a server (between a disconnect and the reconnect it is not), not failed for good, not closing. */
  isConnected(): boolean {
    return this.connected && !this.failure && !this.closing && !this.nc.isClosed();
  }

  /** Once the connection closed other than by `close()`: its reconnect attempts are spent (see `reconnect`). */
  hasFailed(): boolean {
    return this.failure !== undefined;
  }

  /** Stops pulling, lets in-flight handlers and publishes finish, then drains the connection (flushing the acks). */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((s) => s.messages.close()));
    await Promise.allSettled(this.subscriptions.map((s) => s.loop));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.nc.isClosed()) return;
    // Draining flushes the last acks; it cannot finish while the server is out of reach.
    await (this.connected ? this.nc.drain() : this.nc.close()).catch(() => undefined);
  }

  /** Hands each pulled message to the handler until `close()`, opening the consumer again if its pull ends. */
  private pull(subscription: Subscription): Promise<void> {
    const { subscriber, consumer, config } = subscription;
    const { stream, prefetch, reconnectWaitMs } = this.settings;
    return pullUntilClosed(subscription, {
      // Pulled but not started when close() began: hand it back at once instead of after the ack wait.
      deliver: (msg) => (this.closing ? msg.nak() : void this.track(this.handle(subscription, msg))),
      open: () => openConsumer(this.js, this.jsm, stream, config, prefetch),
      closing: () => !!this.closing,
      connected: () => this.connected,
      retryMs: reconnectWaitMs,
      logger: this.logger,
      fields: { subscriber, consumer },
    });
  }

  private async handle(subscription: Subscription, msg: JsMsg): Promise<void> {
    const deliveries = msg.info.deliveryCount;
    let message: IntegrationMessage;
    try {
      message = withHeaderTrace(msg.json<IntegrationMessage>(), (name) => msg.headers?.get(name));
    } catch (error) {
      return this.deadLetter(subscription, msg, error);
    }
    // Earlier deliveries were never answered (the process died, the ack wait ran out, or close() handed them back).
    if (deliveries > this.settings.maxDeliveries)
      return this.deadLetter(subscription, msg, new Error('delivery limit exceeded without an answer'));
    // A slow handler keeps its claim, so the server does not deliver the message a second time meanwhile.
    const claim = setInterval(() => msg.working(), this.settings.ackWaitMs / 2);
    try {
      const fields = { subscriber: subscription.subscriber, subject: msg.subject, seq: msg.seq };
      await consumeMessage('nats', subscription.subscriber, message, (traced) =>
        waitOutOutages(
          () => subscription.handler(traced),
          this.settings.retryDelayMs,
          () => !!this.closing,
          this.logger,
          fields,
        ),
      );
    } catch (error) {
      if (isOutage(error)) {
        msg.nak(); // closing during an outage: handed back for the next consumer
        return;
      }
      if (deliveries >= this.settings.maxDeliveries) return this.deadLetter(subscription, msg, error);
      msg.nak(this.settings.retryDelayMs);
      return this.observer.retried(subscription.subscriber);
    } finally {
      clearInterval(claim);
    }
    msg.ack();
  }

  /** Copies the message to the dead-letter stream, then terminates it; if the copy fails it is retried later. */
  private async deadLetter(subscription: Subscription, msg: JsMsg, error: unknown): Promise<void> {
    const { subscriber, consumer } = subscription;
    const reason = describeError(error);
    this.logger.error('message dead-lettered', {
      subscriber,
      subject: msg.subject,
      seq: msg.seq,
      deliveries: msg.info.deliveryCount,
      err: error,
    });
    const h = deadLetterHeaders(subscriber, reason, msg);
    const type = msg.subject.slice(this.settings.subjectPrefix.length + 1);
    try {
      await this.js.publish(`${this.settings.subjectPrefix}-dlq.${type}`, msg.data, { headers: h, msgID: `${consumer}:${msg.seq}` });
      msg.term();
      this.observer.deadLettered(subscriber);
    } catch (publishError) {
      this.logger.error('could not dead-letter message', { subscriber, seq: msg.seq, err: publishError });
      msg.nak(this.settings.retryDelayMs);
    }
  }

  /** Logs connection trouble; once the connection is closed for good, publishes reject. */
  private async watch(): Promise<void> {
    void this.nc.closed().then((error) => {
      if (this.closing) return;
      this.failure = error instanceof Error ? error : new Error('nats connection closed');
      this.logger.error('nats connection closed', { err: this.failure });
    });
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        this.connected = status.type === 'reconnect';
        this.logger.warn(`nats ${status.type}`, { server: status.server });
      } else if (status.type === 'error') this.logger.error('nats connection error', { err: status.error });
      else if (status.type === 'staleConnection' || status.type === 'slowConsumer') this.logger.warn(`nats ${status.type}`);
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.catch(() => undefined).finally(() => this.inFlight.delete(work));
    return work;
  }

  private ensureOpen(): void {
    if (this.failure) throw new Error(`nats message bus unavailable: ${this.failure.message}`, { cause: this.failure });
    if (this.closing) throw new Error('nats message bus is closed');
  }
}
