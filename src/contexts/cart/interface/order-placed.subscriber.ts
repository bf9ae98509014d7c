import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { retryOnConflict } from '../../../platform/event-store/event-store';
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
    return this.bus.subscribe(SUBSCRIBER, [OrderingMessages.orderPlaced], (message) => this.handle(message));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const parsed = OrderPlaced.safeParse(message.data);
    if (!parsed.success) {
      this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
      return;
    }
    const { orderId, customerId, cartId, lines } = parsed.data;
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now(), customerId);
    await retryOnConflict(() =>
      this.inbox.handleOnce(SUBSCRIBER, message.id, (tx) =>
        this.checkOut.execute({ cartId: cartId ?? customerId, orderId, lines }, meta, tx),
      ),
    );
  }
}
