import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { handleByKey, orderIdOf, splitBatch } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { type InboxEffect, on, orderKeyOf, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { OrderingMessages } from '../../ordering/contracts';
import { PARCEL_RETURN_REASONS } from '../../shipping/contracts';
import { CancelOrderStockHandler } from '../application/cancel-order-stock';
import { type CommitReservation, CommitReservationHandler } from '../application/commit-reservation';
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

/** What a message does to stock: its work in its inbox transaction, and a confirmation's command (to go with others'). */
type StockChange = { readonly confirmation?: { command: CommitReservation; meta: CommandMeta }; readonly apply: InboxEffect };

/** A message that changes nothing still gets its inbox row: it was handled. */
const NOTHING: InboxEffect = async () => undefined;

/**
 * What ordering's lifecycle means for stock: a confirmed order's hold is committed, a cancelled order's stock is
 * released or put back on hand, an approved return goes back on hand. An order cancelled while its parcel is still
 * with the carrier (intercepted, not back) keeps its units off the shelf: they go back on hand when the parcel is
 * returned to sender, with the same decision as a cancellation (so once, whichever message comes first). Each message
 * is applied once (inbox row and effect in one transaction, run again when it loses a race); a malformed one is
 * recorded as poison, never retried (see `Subscription`).
 */
@Injectable()
export class OrderEventsSubscriber {
  private readonly subscription: Subscription<StockChange>;

  constructor(
    bus: MessageBus,
    inbox: Inbox,
    clock: Clock,
    private readonly commit: CommitReservationHandler,
    cancel: CancelOrderStockHandler,
    restockReturn: RestockReturnHandler,
    metrics: Metrics,
  ) {
    const restockCancelled = (orderId: string, meta: CommandMeta) => (tx: Sql) => cancel.execute({ orderId }, meta, tx);
    this.subscription = new Subscription<StockChange>(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [OrderingMessages.orderConfirmed]: on(OrderRef, (command, { meta }) => ({
          confirmation: { command, meta },
          apply: (tx: Sql) => commit.execute(command, meta, tx),
        })),
        // the goods are not back: the parcel's return to sender restocks them (an interception that fails, never)
        [OrderingMessages.orderCancelled]: on(OrderCancelled, ({ orderId, goodsWithCarrier }, { meta }) => ({
          apply: goodsWithCarrier ? NOTHING : restockCancelled(orderId, meta),
        })),
        [OrderingMessages.orderParcelReturned]: on(ParcelReturned, ({ orderId, reason, orderCancelled }, { meta }) => ({
          apply: orderCancelled && reason === 'returned_to_sender' ? restockCancelled(orderId, meta) : NOTHING,
        })),
        [OrderingMessages.returnApproved]: on(ReturnApproved, (command, { meta }) => ({
          apply: (tx: Sql) => restockReturn.execute(command, meta, tx),
        })),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribeBatch((messages) => this.handleBatch(messages));
  }

  /**
   * A batch (the in-process bus hands over what one read of the log brought): the confirmations of different orders
   * commit their holds in one transaction, on stock rows locked once for all of them; everything else message by message.
   */
  async handleBatch(messages: IntegrationMessage[]): Promise<void> {
    const changes = await this.subscription.accept(messages);
    const { together, alone } = splitBatch(
      changes,
      ({ message }) => orderIdOf(message),
      ({ effect }) => effect.confirmation !== undefined,
    );
    const confirmations = together.flatMap(({ id, effect }) => (effect.confirmation ? [{ id, ...effect.confirmation }] : []));
    if (confirmations.length > 0)
      await this.subscription.applyTogether(confirmations, (tx, fresh) => this.commit.executeTogether(fresh, tx));
    await handleByKey(alone, orderKeyOf, ({ message, effect }) => this.subscription.applyOnce(message, effect.apply));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    await this.handleBatch([message]);
  }
}
