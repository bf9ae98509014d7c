import { Injectable } from '@nestjs/common';
import { handleInOrder } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { Clock } from '../../../shared-kernel/clock';
import { CHECKOUT_INPUT_TYPES, CHECKOUT_SUBSCRIBER, CheckoutProcess } from '../application/checkout.process';

/**
 * The checkout's inputs from inventory and payment as the bus hands them over (the in-process bus: what one read of
 * the log brought; a broker: one at a time): every input not applied before, in their order, in one transaction with
 * its inbox rows. A batch of checkouts then costs one commit, and an order's inputs that arrive together (payment's
 * authorization and capture) are applied one after the other in it. A malformed message throws before anything is
 * applied: the bus retries, then narrows the batch down to it. The checkouts and orders of the batch are read in one round trip. A cancellation from HTTP racing an input makes the
 * whole batch decide again.
 */
@Injectable()
export class CheckoutInputsSubscriber {
  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly checkout: CheckoutProcess,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribeBatch(CHECKOUT_SUBSCRIBER, CHECKOUT_INPUT_TYPES, (messages) => this.handleBatch(messages));
  }

  handleBatch(messages: IntegrationMessage[]): Promise<void> {
    const now = this.clock.now();
    return handleInOrder(this.inbox, CHECKOUT_SUBSCRIBER, messages, (message) => this.checkout.effectOf(message, now), {
      prepare: (tx, fresh) => this.checkout.preload(fresh, tx),
    });
  }
}
