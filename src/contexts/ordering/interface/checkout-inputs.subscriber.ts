import { Injectable } from '@nestjs/common';
import { orderIdOf } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { type InboxEffect, on, type Reaction, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import { Clock } from '../../../shared-kernel/clock';
import { CHECKOUT_INPUTS, CHECKOUT_SUBSCRIBER, CheckoutProcess } from '../application/checkout.process';

/**
 * The checkout's inputs from inventory and payment as the bus hands them over (the in-process bus: what one read of
 * the log brought; a broker: one at a time): every input not applied before, in their order, in one transaction with
 * its inbox rows. A batch of checkouts then costs one commit, and an order's inputs that arrive together (payment's
 * authorization and capture) are applied one after the other in it. A malformed message is recorded as poison in the
 * same transaction, never retried (see `Subscription`). The checkouts and orders of the batch are read in one round
 * trip. A cancellation from HTTP racing an input makes the whole batch decide again.
 */
@Injectable()
export class CheckoutInputsSubscriber {
  private readonly subscription: Subscription<InboxEffect>;

  constructor(
    bus: MessageBus,
    inbox: Inbox,
    clock: Clock,
    private readonly checkout: CheckoutProcess,
    metrics: Metrics,
  ) {
    const inputs = Object.entries(CHECKOUT_INPUTS).map(([type, schema]): [string, Reaction<InboxEffect>] => [
      type,
      on(schema, (step, { message, meta }) => checkout.effectOf(step, meta, message.id)),
    ]);
    this.subscription = new Subscription(CHECKOUT_SUBSCRIBER, { bus, inbox, clock, metrics }, Object.fromEntries(inputs));
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribeBatch((messages) => this.handleBatch(messages));
  }

  handleBatch(messages: IntegrationMessage[]): Promise<void> {
    return this.subscription.handleInOrder(messages, {
      // every input names its order (its schema says so)
      prepare: (tx, fresh) =>
        this.checkout.preload(
          fresh.flatMap(({ message }) => orderIdOf(message) ?? []),
          tx,
        ),
    });
  }
}
