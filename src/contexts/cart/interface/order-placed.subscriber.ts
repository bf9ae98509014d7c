import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { type InboxEffect, on, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { CheckOutCartHandler } from '../application/check-out-cart';
import { OrderingMessages } from '../../ordering/contracts';

const SUBSCRIBER = 'cart.checkout';

/** The fields of `ordering.order-placed.v1` (OrderPlacedV1) the cart reads; others are ignored. */
const OrderPlaced = z.object({
  orderId: z.string().min(1).max(100),
  customerId: z.string().min(1).max(100),
  cartId: z.string().min(1).max(100).optional(),
  lines: z.array(z.object({ sku: z.string().min(1).max(64), quantity: z.number().int().positive() })),
});

/** Removes what was ordered from the cart it was ordered from, once per message. */
@Injectable()
export class OrderPlacedSubscriber {
  private readonly subscription: Subscription<InboxEffect>;

  constructor(bus: MessageBus, inbox: Inbox, clock: Clock, checkOut: CheckOutCartHandler, metrics: Metrics) {
    this.subscription = new Subscription(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [OrderingMessages.orderPlaced]: on(
          OrderPlaced,
          ({ orderId, customerId, cartId, lines }, { meta }) =>
            (tx: Sql) =>
              checkOut.execute({ cartId: cartId ?? customerId, orderId, lines }, { ...meta, userId: customerId }, tx),
        ),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribeBatch((messages) => this.handleBatch(messages));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /**
   * The orders of a batch in one transaction with their inbox rows, one after the other (one customer's two orders
   * in a batch leave their cart in order); a cart written meanwhile (a customer adding an item) runs it all again.
   */
  handleBatch(messages: IntegrationMessage[]): Promise<void> {
    return this.subscription.handleInOrder(messages);
  }
}
