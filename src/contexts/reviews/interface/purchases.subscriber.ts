import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus, READ_MODEL_ONLY } from '../../../platform/messaging/message-bus';
import { USER_REGISTERED_V1 } from '../../identity/contracts';
import { OrderingMessages } from '../../ordering/contracts';

const SUBSCRIBER = 'reviews.purchases';

const Id = z.string().min(1).max(100);
const OrderDelivered = z.object({
  orderId: Id,
  customerId: Id,
  lines: z.array(z.object({ productId: Id.optional() })),
  deliveredAt: z.string().max(40).optional(),
});
const UserRegistered = z.object({ userId: Id, name: z.string().min(1).max(200) });

/**
 * What makes a purchase "verified": ordering's deliveries (each product of a delivered order), and the names reviews
 * are shown with (from registrations). Once per message (inbox).
 */
@Injectable()
export class PurchasesSubscriber {
  private readonly logger = new Logger(PurchasesSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribe(SUBSCRIBER, [OrderingMessages.orderDelivered, USER_REGISTERED_V1], (message) => this.handle(message));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    if (message.type === USER_REGISTERED_V1) {
      const user = UserRegistered.safeParse(message.data);
      if (!user.success) return this.ignore(message);
      await this.inbox.handleOnce(
        SUBSCRIBER,
        message.id,
        async (tx) => {
          await tx.query(
            `insert into reviews.reviewers (customer_id, name) values ($1, $2) on conflict (customer_id) do update set name = excluded.name`,
            [user.data.userId, user.data.name],
          );
        },
        READ_MODEL_ONLY,
      );
      return;
    }
    const delivered = OrderDelivered.safeParse(message.data);
    if (!delivered.success) return this.ignore(message);
    const { orderId, customerId, lines } = delivered.data;
    const products = [...new Set(lines.flatMap((line) => (line.productId ? [line.productId] : [])))];
    const at =
      delivered.data.deliveredAt && !Number.isNaN(Date.parse(delivered.data.deliveredAt)) ? delivered.data.deliveredAt : message.occurredAt;
    await this.inbox.handleOnce(
      SUBSCRIBER,
      message.id,
      async (tx) => {
        for (const productId of products) {
          await tx.query(
            `insert into reviews.purchases (customer_id, product_id, order_id, delivered_at) values ($1, $2, $3, $4) on conflict do nothing`,
            [customerId, productId, orderId, at],
          );
        }
      },
      READ_MODEL_ONLY,
    );
  }

  private ignore(message: IntegrationMessage): void {
    this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
  }
}
