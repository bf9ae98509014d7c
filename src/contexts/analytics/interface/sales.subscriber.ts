import { Injectable } from '@nestjs/common';
import { retryOnConflict } from '../../../platform/event-store/event-store';
import { Inbox, type IntegrationMessage, MessageBus, READ_MODEL_ONLY } from '../../../platform/messaging/message-bus';
import { type Accepted, type Delivery, on, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import { Database, onceCommitted, type Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';
import { applySalesMessages } from '../application/sales-batches';
import { CartStarted, Confirmed, OrderRef, Placed, Refunded } from '../application/sales-facts';

/**
 * The subscriber's name: its inbox rows and its queue on a broker, and the name operators rebuild it by
 * (`npm run projections:rebuild -- analytics.sales`). With the in-process bus it reads the log as consumer
 * `subscriber.analytics.sales`.
 */
export const SALES_SUBSCRIBER = 'analytics.sales';

/**
 * A message to fold into the sales read models. `guarded`: its write guards itself by order id (an order is placed
 * once, confirmed once; a step keeps its first time and the status only moves forward), so a repeat changes nothing
 * and it needs no inbox row. The others would count twice (carts started, refunds): they are applied once through the
 * inbox.
 */
type SalesFact = { readonly message: IntegrationMessage; readonly guarded: boolean };

const guarded = (_data: unknown, { message }: Delivery): SalesFact => ({ message, guarded: true });
const onceByInbox = (_data: unknown, { message }: Delivery): SalesFact => ({ message, guarded: false });

/** Each message once, at its first place in the batch (a bus may deliver a message twice, even in one batch). */
const firstOfEach = <T extends { id: string }>(items: readonly T[]): T[] => {
  const seen = new Set<string>();
  return items.filter(({ id }) => !seen.has(id) && seen.add(id));
};

/**
 * The sales read models (`analytics.*`), fed by ordering's and the cart's integration events from the bus, as every
 * other context is fed: in one process the in-process bus hands it what one read of the log brought, in the log's
 * order; a broker one message at a time, many in flight at once, in no order (an order's shipment may be handled
 * before its placement). Whatever the order, the read models end the same (`applySalesMessages`). Exactly once per
 * message although a bus redelivers: the writes of the facts about an order guard themselves, carts started and
 * refunds take an inbox row; a batch is written set-based in one transaction.
 */
@Injectable()
export class SalesSubscriber {
  readonly name = SALES_SUBSCRIBER;
  private readonly subscription: Subscription<SalesFact>;

  constructor(
    bus: MessageBus,
    private readonly db: Database,
    inbox: Inbox,
    clock: Clock,
    metrics: Metrics,
  ) {
    this.subscription = new Subscription(
      SALES_SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [CartMessages.cartStarted]: on(CartStarted, onceByInbox),
        [OrderingMessages.orderPlaced]: on(Placed, guarded),
        [OrderingMessages.orderConfirmed]: on(Confirmed, guarded),
        [OrderingMessages.orderShipped]: on(OrderRef, guarded),
        [OrderingMessages.orderDelivered]: on(OrderRef, guarded),
        [OrderingMessages.orderCancelled]: on(OrderRef, guarded),
        [OrderingMessages.orderRefunded]: on(Refunded, onceByInbox),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribeBatch((messages) => this.handle(messages));
  }

  /**
   * A batch in one transaction: the inbox rows of the messages that need one, and the effects of those not handled
   * before with every guarded one. When the inbox finds them all handled before, or none needs a row, the guarded ones
   * get a transaction of their own. Either runs again when it loses a race: a message's transaction locks its inbox
   * row, its order's row, then the day's sums, so messages in flight one per transaction (a broker's) never deadlock,
   * but concurrent batches over the same orders may.
   */
  async handle(messages: IntegrationMessage[]): Promise<void> {
    const facts = firstOfEach(await this.subscription.accept(messages));
    const inboxed = facts.filter(({ effect }) => !effect.guarded);
    let folded = false;
    const fold = async (tx: Sql, fresh: readonly Accepted<SalesFact>[]) => {
      const freshIds = new Set(fresh.map(({ id }) => id));
      const due = facts.filter(({ id, effect }) => effect.guarded || freshIds.has(id));
      await applySalesMessages(
        tx,
        due.map(({ message }) => message),
      );
      onceCommitted(tx, () => (folded = true));
    };
    if (inboxed.length > 0) await this.subscription.applyTogether(inboxed, fold, READ_MODEL_ONLY);
    if (!folded && inboxed.length < facts.length) await retryOnConflict(() => this.db.transaction((tx) => fold(tx, []), READ_MODEL_ONLY));
  }

  /**
   * Empties the read models and forgets the messages handled, so that the messages replayed from the start of the log
   * build them again (`npm run projections:rebuild`); runs in the rebuild's transaction.
   */
  async reset(tx: Sql): Promise<void> {
    await tx.query('truncate analytics.orders, analytics.order_lines, analytics.daily_sales, analytics.daily_carts');
    await tx.query('delete from messaging.inbox where subscriber = $1', [SALES_SUBSCRIBER]);
  }
}
