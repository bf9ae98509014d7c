import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { handleInOrder } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
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
/** Mails go only to an address in its one canonical form (identity registers no other); anything else is ignored. */
const RecipientEmail = z.string().refine((email) => canonicalEmail(email) === email, 'a canonical email address');
const UserRegistered = z.object({ userId: Id, email: RecipientEmail, name: z.string().min(1).max(200) });
const Customer = z.object({ orderId: Id, customerId: Id });

/** The fields of each ordering fact the mail needs (consumers tolerate extra fields); a fact is a mail kind. */
const facts = {
  [OrderingMessages.orderConfirmed]: Customer.extend({
    total: MoneyV1,
    lines: z.array(z.object({ name: z.string().max(300), quantity: z.number().int(), unitPrice: MoneyV1 })).default([]),
  }).transform((d): OrderMailFact & { customerId: string } => ({ kind: 'order_confirmed', ...d })),
  [OrderingMessages.orderShipped]: Customer.extend({ carrier: z.string().max(100), trackingNumber: z.string().max(100) }).transform(
    (d): OrderMailFact & { customerId: string } => ({ kind: 'order_shipped', ...d }),
  ),
  [OrderingMessages.orderCancelled]: Customer.extend({ reason: z.string().max(100) }).transform(
    (d): OrderMailFact & { customerId: string } => ({ kind: 'order_cancelled', ...d }),
  ),
  [OrderingMessages.orderRefunded]: Customer.extend({ amount: MoneyV1, totalRefunded: MoneyV1 }).transform(
    (d): OrderMailFact & { customerId: string } => ({ kind: 'order_refunded', ...d }),
  ),
} as Record<string, z.ZodType<OrderMailFact & { customerId: string }>>;

/**
 * Mails customers about their orders: one mail per fact, also when the fact is delivered again (inbox, and the mail
 * row is unique per message id). Registrations arrive on the same subscription, so the address is known in time.
 */
@Injectable()
export class OrderMailsSubscriber {
  private readonly logger = new Logger(OrderMailsSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly queueMail: QueueOrderMailHandler,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribeBatch(SUBSCRIBER, [USER_REGISTERED_V1, ...Object.keys(facts)], (messages) => this.handleBatch(messages));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /**
   * The messages of a batch in one transaction with their inbox rows, in their order (a registration before the mail
   * to the address it brings); malformed ones are ignored.
   */
  handleBatch(messages: IntegrationMessage[]): Promise<void> {
    const now = this.clock.now();
    return handleInOrder(this.inbox, SUBSCRIBER, messages, (message) => {
      const effect = this.effectOf(message, now);
      if (!effect) this.ignore(message);
      return effect;
    });
  }

  /** What a message does in the inbox transaction; undefined when it is malformed. */
  private effectOf(message: IntegrationMessage, now: Date): ((tx: Sql) => Promise<unknown>) | undefined {
    if (message.type === USER_REGISTERED_V1) {
      const user = UserRegistered.safeParse(message.data);
      if (!user.success) return undefined;
      const { userId, email, name } = user.data;
      return (tx) => recordRecipient(tx, userId, { email, name }, new Date(message.occurredAt));
    }
    const fact = facts[message.type]?.safeParse(message.data);
    if (!fact?.success) return undefined;
    const meta = metaForMessage(message, SUBSCRIBER, now);
    return (tx) => this.queueMail.execute({ ...fact.data, factId: message.id }, { ...meta, userId: fact.data.customerId }, tx);
  }

  private ignore(message: IntegrationMessage): void {
    this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
  }
}
