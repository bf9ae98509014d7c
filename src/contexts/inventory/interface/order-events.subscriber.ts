import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { OrderingMessages } from '../../ordering/contracts';
import { CancelOrderStockHandler } from '../application/cancel-order-stock';
import { CommitReservationHandler } from '../application/commit-reservation';
import { RestockReturnHandler } from '../application/restock-return';

const SUBSCRIBER = 'inventory.order-events';

const Id = z.string().min(1).max(100);
/** The fields of OrderConfirmedV1 / OrderCancelledV1 inventory reads: it decides on its own record of the order. */
const OrderRef = z.object({ orderId: Id });
/** The fields of ReturnApprovedV1 inventory reads. */
const ReturnApproved = z.object({
  returnId: Id,
  orderId: Id,
  lines: z
    .array(z.object({ sku: z.string().min(1).max(64), quantity: z.number().int().min(1).max(1_000_000) }))
    .min(1)
    .max(100),
});

/**
 * What ordering's lifecycle means for stock: a confirmed order's hold is committed, a cancelled order's stock is
 * released or put back on hand, an approved return goes back on hand. Each message is applied once (inbox row and
 * effect in one transaction, run again when it loses a race); malformed messages are logged and dropped.
 */
@Injectable()
export class OrderEventsSubscriber {
  private readonly logger = new Logger(OrderEventsSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly commit: CommitReservationHandler,
    private readonly cancel: CancelOrderStockHandler,
    private readonly restockReturn: RestockReturnHandler,
  ) {}

  subscribe(): Promise<void> {
    const types = [OrderingMessages.orderConfirmed, OrderingMessages.orderCancelled, OrderingMessages.returnApproved];
    return this.bus.subscribe(SUBSCRIBER, types, (message) => this.handle(message));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const effect = this.effectOf(message);
    if (!effect) {
      this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
      return;
    }
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now());
    await retryOnConflict(() => this.inbox.handleOnce(SUBSCRIBER, message.id, (tx) => effect(meta, tx)));
  }

  private effectOf(message: IntegrationMessage): ((meta: CommandMeta, tx: Sql) => Promise<void>) | null {
    switch (message.type) {
      case OrderingMessages.orderConfirmed: {
        const parsed = OrderRef.safeParse(message.data);
        return parsed.success ? (meta, tx) => this.commit.execute(parsed.data, meta, tx).then(() => undefined) : null;
      }
      case OrderingMessages.orderCancelled: {
        const parsed = OrderRef.safeParse(message.data);
        return parsed.success ? (meta, tx) => this.cancel.execute(parsed.data, meta, tx).then(() => undefined) : null;
      }
      case OrderingMessages.returnApproved: {
        const parsed = ReturnApproved.safeParse(message.data);
        return parsed.success ? (meta, tx) => this.restockReturn.execute(parsed.data, meta, tx) : null;
      }
      default:
        return null;
    }
  }
}
