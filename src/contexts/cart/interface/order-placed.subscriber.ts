import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { handleInOrder } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
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
  private readonly logger = new Logger(OrderPlacedSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly checkOut: CheckOutCartHandler,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribeBatch(SUBSCRIBER, [OrderingMessages.orderPlaced], (messages) => this.handleBatch(messages));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /**
   * The orders of a batch in one transaction with their inbox rows, one after the other (one customer's two orders
   * in a batch leave their cart in order); a cart written meanwhile (a customer adding an item) runs it all again.
   */
  handleBatch(messages: IntegrationMessage[]): Promise<void> {
    const now = this.clock.now();
    return handleInOrder(this.inbox, SUBSCRIBER, messages, (message) => {
      const parsed = OrderPlaced.safeParse(message.data);
      if (!parsed.success) {
        this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
        return undefined;
      }
      const { orderId, customerId, cartId, lines } = parsed.data;
      const meta = metaForMessage(message, SUBSCRIBER, now, customerId);
      return (tx) => this.checkOut.execute({ cartId: cartId ?? customerId, orderId, lines }, meta, tx);
    });
  }
}
