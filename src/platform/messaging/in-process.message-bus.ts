import { MessageBus, type IntegrationMessage, type MessageHandler } from './message-bus';
import { defaultBusLogger, type BusLogger, type DeliveryPolicy } from './delivery-policy';

export type InProcessBusOptions = Partial<DeliveryPolicy> & { logger?: BusLogger };

type Subscription = { subscriber: string; types: ReadonlySet<string>; handler: MessageHandler };

/** A handler kept failing after every retry; publish rejects so the outbox publisher tries the event again later. */
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
 * Delivers inside the publishing process (embedded default, tests). `publish` resolves once every subscriber of
 * each message's type has handled it: subscribers run concurrently, each gets its messages in order. A failing
 * handler is retried with exponential backoff; after `maxDeliveries` attempts publish rejects, and the caller
 * (the outbox publisher) publishes again later: subscribers that already succeeded drop the repeat in their inbox.
 */
export class InProcessMessageBus extends MessageBus {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly policy: DeliveryPolicy;
  private readonly logger: BusLogger;
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    super();
    this.policy = { maxDeliveries: options.maxDeliveries ?? 3, retryDelayMs: options.retryDelayMs ?? 50 };
    this.logger = options.logger ?? defaultBusLogger();
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
    this.subscriptions.push({ subscriber, types: new Set(types), handler });
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliverAll(messages: IntegrationMessage[]): Promise<void> {
    const failures: DeliveryFailed[] = [];
    await Promise.all(
      this.subscriptions.map(async (subscription) => {
        for (const message of messages) {
          if (!subscription.types.has(message.type)) continue;
          const failure = await this.deliver(subscription, message);
          if (failure) failures.push(failure);
        }
      }),
    );
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} deliveries failed`);
  }

  /** Runs the handler until it succeeds or the attempts are used up; returns the failure instead of throwing. */
  private async deliver(subscription: Subscription, message: IntegrationMessage): Promise<DeliveryFailed | undefined> {
    const { maxDeliveries, retryDelayMs } = this.policy;
    for (let attempt = 1; ; attempt++) {
      try {
        // A copy as it would come off the wire: handlers never share or see non-JSON values.
        await subscription.handler(JSON.parse(JSON.stringify(message)) as IntegrationMessage);
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
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
