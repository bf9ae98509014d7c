import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus, READ_MODEL_ONLY } from '../../../platform/messaging/message-bus';
import { type InboxEffect, on, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
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
  private readonly subscription: Subscription<InboxEffect>;

  constructor(bus: MessageBus, inbox: Inbox, clock: Clock, metrics: Metrics) {
    this.subscription = new Subscription(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [USER_REGISTERED_V1]: on(UserRegistered, ({ userId, name }) => async (tx: Sql) => {
          await tx.query(
            `insert into reviews.reviewers (customer_id, name) values ($1, $2) on conflict (customer_id) do update set name = excluded.name`,
            [userId, name],
          );
        }),
        [OrderingMessages.orderDelivered]: on(OrderDelivered, ({ orderId, customerId, lines, deliveredAt }, { message }) => {
          const products = [...new Set(lines.flatMap((line) => (line.productId ? [line.productId] : [])))];
          const at = deliveredAt && !Number.isNaN(Date.parse(deliveredAt)) ? deliveredAt : message.occurredAt;
          return async (tx: Sql) => {
            for (const productId of products) {
              await tx.query(
                `insert into reviews.purchases (customer_id, product_id, order_id, delivered_at) values ($1, $2, $3, $4) on conflict do nothing`,
                [customerId, productId, orderId, at],
              );
            }
          };
        }),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribe((message) => this.handle(message));
  }

  handle(message: IntegrationMessage): Promise<void> {
    return this.subscription.handleOne(message, READ_MODEL_ONLY);
  }
}
