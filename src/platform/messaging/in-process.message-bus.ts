import { DeliveryFailed, MessageBus, type BatchHandler, type IntegrationMessage, type MessageHandler, type OutboxLog } from './message-bus';
import { defaultBusLogger, UNOBSERVED, waitOutOutages, type BusLogger, type BusObserver, type DeliveryPolicy } from './delivery-policy';
import { consumeMessages } from '../observability/tracing-consumers';

/** `messaging.system` of its consumer spans. */
const IN_PROCESS = 'orderly.in_process';

export type InProcessBusOptions = Partial<DeliveryPolicy> & {
  logger?: BusLogger;
  /** told of each retried delivery (this bus parks nothing: after its retries, publish rejects) */
  observer?: BusObserver;
  /** each subscriber reads the outbox with a log consumer of its own (default true); false: one publisher, as with a broker */
  consumerPerSubscriber?: boolean;
};

/** `handler` takes one message; a subscription made with `subscribeBatch` takes them all at once in `batch`. */
type Subscription = { subscriber: string; types: ReadonlySet<string>; handler: MessageHandler; batch?: BatchHandler };

/**
 * Delivers inside the publishing process (embedded default, tests). `publish` resolves once every subscriber of
 * each message's type has handled it: subscribers run concurrently, each gets the messages of one correlation in order. A failing
 * handler is retried with exponential backoff; after `maxDeliveries` attempts publish rejects, and the caller
 * (the outbox publisher) publishes again later: subscribers that already succeeded drop the repeat in their inbox.
 */
export class InProcessMessageBus extends MessageBus {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly policy: DeliveryPolicy;
  private readonly logger: BusLogger;
  private readonly observer: BusObserver;
  private readonly consumerPerSubscriber: boolean;
  private closed = false;
  private onLateSubscriber?: (subscription: Subscription) => void;

  constructor(options: InProcessBusOptions = {}) {
    super();
    this.policy = { maxDeliveries: options.maxDeliveries ?? 3, retryDelayMs: options.retryDelayMs ?? 50 };
    this.logger = options.logger ?? defaultBusLogger();
    this.observer = options.observer ?? UNOBSERVED;
    this.consumerPerSubscriber = options.consumerPerSubscriber ?? true;
  }

  async publish(messages: IntegrationMessage[]): Promise<void> {
    if (this.closed) throw new Error('in-process message bus is closed');
    const delivery = this.deliverAll(messages);
    this.inFlight.add(delivery);
    try {
      await delivery;
    } finally {
      this.inFlight.delete(delivery);
    }
  }

  async subscribe(subscriber: string, types: readonly string[], handler: MessageHandler): Promise<void> {
    if (this.closed) throw new Error('in-process message bus is closed');
    if (this.subscriptions.some((s) => s.subscriber === subscriber)) throw new Error(`subscriber ${subscriber} is already subscribed`);
    const subscription: Subscription = { subscriber, types: new Set(types), handler };
    this.subscriptions.push(subscription);
    this.observer.subscribed(subscriber);
    this.onLateSubscriber?.(subscription);
  }

  override async subscribeBatch(subscriber: string, types: readonly string[], batch: BatchHandler): Promise<void> {
    await this.subscribe(subscriber, types, (message) => batch([message]));
    this.subscriptions.find((s) => s.subscriber === subscriber)!.batch = batch;
  }

  /**
   * There is no broker to carry messages between processes, so each subscriber reads the outbox itself, on its own
   * checkpoint: the checkout process, inventory and payment advance in parallel instead of waiting in one publisher's
   * batches, and a failing subscriber is retried alone. Delivery stays at-least-once with the same message ids (the
   * subscribers' inboxes still dedupe). A subscriber that joins later gets its own log consumer when it subscribes.
   */
  override relayFrom(outbox: OutboxLog): void {
    if (!this.consumerPerSubscriber) return super.relayFrom(outbox);
    const consumeFor = ({ subscriber, types }: Subscription) =>
      outbox.consumeFor(subscriber, [...types], (messages) => this.deliverTo(subscriber, messages));
    for (const subscription of this.subscriptions) consumeFor(subscription);
    this.onLateSubscriber = consumeFor;
  }

  /** Delivers to one subscriber the messages of its types, with the same retries and ordering as `publish`. */
  async deliverTo(subscriber: string, messages: IntegrationMessage[]): Promise<void> {
    const subscription = this.subscriptions.find((s) => s.subscriber === subscriber);
    if (!subscription) throw new Error(`no subscriber ${subscriber}`);
    const delivery = this.deliverAll(messages, [subscription]);
    this.inFlight.add(delivery);
    try {
      await delivery;
    } finally {
      this.inFlight.delete(delivery);
    }
  }

  isConnected(): boolean {
    return !this.closed;
  }

  /** No connection to lose. */
  hasFailed(): boolean {
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Every subscriber concurrently; within a subscriber, messages of one correlation (one checkout, one request) in
   * order and different correlations concurrently, so one slow flow does not hold up the others.
   */
  private async deliverAll(messages: IntegrationMessage[], subscriptions = this.subscriptions): Promise<void> {
    const failures: DeliveryFailed[] = [];
    const flows = new Map<string, IntegrationMessage[]>();
    for (const message of messages) {
      const flow = flows.get(message.correlationId);
      if (flow) flow.push(message);
      else flows.set(message.correlationId, [message]);
    }
    await Promise.all(
      subscriptions.flatMap((subscription) => {
        if (subscription.batch) {
          const mine = messages.filter((message) => subscription.types.has(message.type));
          if (mine.length === 0) return [];
          // the whole batch, in order: if it keeps failing, the caller (a log consumer) narrows it down to the message
          return [this.deliver(subscription, mine).then((failure) => void (failure && failures.push(failure)))];
        }
        return [...flows.values()].map(async (flow) => {
          for (const message of flow) {
            if (!subscription.types.has(message.type)) continue;
            const failure = await this.deliver(subscription, message);
            if (failure) {
              // the flow's later messages wait for this one: they are delivered in order, or not yet
              failures.push(failure);
              break;
            }
          }
        });
      }),
    );
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} deliveries failed`);
  }

  /** Runs the handler until it succeeds or the attempts are used up; returns the failure instead of throwing. */
  private async deliver(
    subscription: Subscription,
    delivered: IntegrationMessage | IntegrationMessage[],
  ): Promise<DeliveryFailed | undefined> {
    const { maxDeliveries, retryDelayMs } = this.policy;
    const message = Array.isArray(delivered) ? delivered[0] : delivered;
    for (let attempt = 1; ; attempt++) {
      try {
        // A copy as it would come off the wire: handlers never share or see non-JSON values.
        const copy = JSON.parse(JSON.stringify(delivered)) as IntegrationMessage | IntegrationMessage[];
        const fields = { subscriber: subscription.subscriber, messageId: message.id };
        // the message field `traceparent` is this bus's header: each handling runs in a consumer span under it
        await consumeMessages(IN_PROCESS, subscription.subscriber, Array.isArray(copy) ? copy : [copy], (traced) =>
          waitOutOutages(
            () => (Array.isArray(copy) ? subscription.batch!(traced) : subscription.handler(traced[0])),
            retryDelayMs,
            () => this.closed,
            this.logger,
            fields,
          ),
        );
        return undefined;
      } catch (error) {
        if (attempt >= maxDeliveries) {
          this.logger.error('message handler failed, giving up', {
            subscriber: subscription.subscriber,
            messageId: message.id,
            type: message.type,
            attempts: attempt,
            err: error,
          });
          return new DeliveryFailed(subscription.subscriber, message.id, attempt, { cause: error });
        }
        this.observer.retried(subscription.subscriber);
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
