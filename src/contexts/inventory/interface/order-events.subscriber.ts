import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { handleByKey, handleTogether, orderIdOf, splitBatch } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { OrderingMessages } from '../../ordering/contracts';
import { PARCEL_RETURN_REASONS } from '../../shipping/contracts';
import { CancelOrderStockHandler } from '../application/cancel-order-stock';
import { CommitReservationHandler } from '../application/commit-reservation';
import { RestockReturnHandler } from '../application/restock-return';

const SUBSCRIBER = 'inventory.order-events';

const Id = z.string().min(1).max(100);
/** The fields of OrderConfirmedV1 inventory reads: it decides on its own record of the order. */
const OrderRef = z.object({ orderId: Id });
/** The fields of OrderCancelledV1: `goodsWithCarrier` (absent on older messages: false) holds the restock back. */
const OrderCancelled = z.object({ orderId: Id, goodsWithCarrier: z.boolean().optional() });
/** The fields of OrderParcelReturnedV1. */
const ParcelReturned = z.object({ orderId: Id, reason: z.enum(PARCEL_RETURN_REASONS), orderCancelled: z.boolean() });
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
 * released or put back on hand, an approved return goes back on hand. An order cancelled while its parcel is still
 * with the carrier (intercepted, not back) keeps its units off the shelf: they go back on hand when the parcel is
 * returned to sender, with the same decision as a cancellation (so once, whichever message comes first). Each message
 * is applied once (inbox row and effect in one transaction, run again when it loses a race); malformed messages are
 * logged and dropped.
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
    const types = [
      OrderingMessages.orderConfirmed,
      OrderingMessages.orderCancelled,
      OrderingMessages.orderParcelReturned,
      OrderingMessages.returnApproved,
    ];
    return this.bus.subscribeBatch(SUBSCRIBER, types, (messages) => this.handleBatch(messages));
  }

  /**
   * A batch (the in-process bus hands over what one read of the log brought): the confirmations of different orders
   * commit their holds in one transaction, on stock rows locked once for all of them; everything else message by message.
   */
  async handleBatch(messages: IntegrationMessage[]): Promise<void> {
    const confirmed = (message: IntegrationMessage) =>
      message.type === OrderingMessages.orderConfirmed && OrderRef.safeParse(message.data).success;
    const { together, alone } = splitBatch(messages, orderIdOf, confirmed);
    if (together.length > 0) {
      const now = this.clock.now();
      const commands = together.map((message) => ({
        id: message.id,
        command: OrderRef.parse(message.data),
        meta: metaForMessage(message, SUBSCRIBER, now),
      }));
      await handleTogether(this.inbox, SUBSCRIBER, commands, (tx, fresh) => this.commit.executeTogether(fresh, tx));
    }
    await handleByKey(alone, orderIdOf, (message) => this.handle(message));
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
        const parsed = OrderCancelled.safeParse(message.data);
        if (!parsed.success) return null;
        // the goods are not back: the parcel's return to sender restocks them (an interception that fails, never)
        if (parsed.data.goodsWithCarrier) return async () => undefined;
        return (meta, tx) => this.restockCancelled(parsed.data.orderId, meta, tx);
      }
      case OrderingMessages.orderParcelReturned: {
        const parsed = ParcelReturned.safeParse(message.data);
        if (!parsed.success) return null;
        const { orderId, reason, orderCancelled } = parsed.data;
        if (!orderCancelled || reason !== 'returned_to_sender') return async () => undefined;
        return (meta, tx) => this.restockCancelled(orderId, meta, tx);
      }
      case OrderingMessages.returnApproved: {
        const parsed = ReturnApproved.safeParse(message.data);
        return parsed.success ? (meta, tx) => this.restockReturn.execute(parsed.data, meta, tx) : null;
      }
      default:
        return null;
    }
  }

  private async restockCancelled(orderId: string, meta: CommandMeta, tx: Sql): Promise<void> {
    await this.cancel.execute({ orderId }, meta, tx);
  }
}
