import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { type Delivery, type InboxEffect, on, type Reaction, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { canonicalEmail } from '../../../shared-kernel/identifiers';
import { USER_REGISTERED_V1 } from '../../identity/contracts';
import { OrderingMessages } from '../../ordering/contracts';
import { QueueOrderMailHandler } from '../application/queue-order-mail';
import { recordRecipient } from '../application/recipients';
import type { OrderMailFact } from '../domain/order-mail';

const SUBSCRIBER = 'notifications.order-mails';

const Id = z.string().min(1).max(100);
const MoneyV1 = z.object({ amount: z.number().int(), currency: z.string().regex(/^[A-Z]{3}$/) });
/** Mails go only to an address in its one canonical form (identity registers no other); anything else is malformed. */
const RecipientEmail = z.string().refine((email) => canonicalEmail(email) === email, 'a canonical email address');
const UserRegistered = z.object({ userId: Id, email: RecipientEmail, name: z.string().min(1).max(200) });
const Customer = z.object({ orderId: Id, customerId: Id });

type CustomerFact = OrderMailFact & { customerId: string };

/** The fields of each ordering fact the mail needs (consumers tolerate extra fields); a fact is a mail kind. */
const facts = {
  [OrderingMessages.orderConfirmed]: Customer.extend({
    total: MoneyV1,
    lines: z.array(z.object({ name: z.string().max(300), quantity: z.number().int(), unitPrice: MoneyV1 })).default([]),
  }).transform((d): CustomerFact => ({ kind: 'order_confirmed', ...d })),
  [OrderingMessages.orderShipped]: Customer.extend({ carrier: z.string().max(100), trackingNumber: z.string().max(100) }).transform(
    (d): CustomerFact => ({ kind: 'order_shipped', ...d }),
  ),
  [OrderingMessages.orderCancelled]: Customer.extend({ reason: z.string().max(100) }).transform((d): CustomerFact => ({
    kind: 'order_cancelled',
    ...d,
  })),
  [OrderingMessages.orderRefunded]: Customer.extend({ amount: MoneyV1, totalRefunded: MoneyV1 }).transform((d): CustomerFact => ({
    kind: 'order_refunded',
    ...d,
  })),
} as Record<string, z.ZodType<CustomerFact>>;

/**
 * Mails customers about their orders: one mail per fact, also when the fact is delivered again (inbox, and the mail
 * row is unique per message id). Registrations arrive on the same subscription, so the address is known in time.
 */
@Injectable()
export class OrderMailsSubscriber {
  private readonly subscription: Subscription<InboxEffect>;

  constructor(bus: MessageBus, inbox: Inbox, clock: Clock, queueMail: QueueOrderMailHandler, metrics: Metrics) {
    const mail =
      ({ message, meta }: Delivery, fact: CustomerFact) =>
      (tx: Sql) =>
        queueMail.execute({ ...fact, factId: message.id }, { ...meta, userId: fact.customerId }, tx);
    const mails = Object.entries(facts).map(([type, schema]): [string, Reaction<InboxEffect>] => [
      type,
      on(schema, (fact, delivery) => mail(delivery, fact)),
    ]);
    this.subscription = new Subscription(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [USER_REGISTERED_V1]: on(
          UserRegistered,
          ({ userId, email, name }, { message }) =>
            (tx: Sql) =>
              recordRecipient(tx, userId, { email, name }, new Date(message.occurredAt)),
        ),
        ...Object.fromEntries(mails),
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
   * The messages of a batch in one transaction with their inbox rows, in their order (a registration before the mail
   * to the address it brings).
   */
  handleBatch(messages: IntegrationMessage[]): Promise<void> {
    return this.subscription.handleInOrder(messages);
  }
}
