import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { handleByKey, orderIdOf, splitBatch } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { type InboxEffect, on, orderKeyOf, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import { onceCommitted, type Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { ReleaseStockHandler } from '../application/release-stock';
import { type ReserveStock, ReserveStockHandler } from '../application/reserve-stock';
import type { ReservationState } from '../domain/reservation';
import { InventoryMessages } from '../contracts';

const SUBSCRIBER = 'inventory.commands';

const OrderId = z.string().min(1).max(100);
const ReserveStockV1 = z.object({
  orderId: OrderId,
  lines: z
    .array(z.object({ sku: z.string().min(1).max(64), quantity: z.number().int().min(1) }))
    .min(1)
    .max(100),
});
const ReleaseStockV1 = z.object({ orderId: OrderId });

/** A command from the bus: its work in its inbox transaction, and a reservation's command (to go with others'). */
type StockCommand = { readonly reservation?: { command: ReserveStock; meta: CommandMeta }; readonly apply: InboxEffect };

/**
 * Inventory's commands from the bus (ordering's checkout): each message is applied once (inbox row and effect in
 * one transaction), and the whole transaction is run again when it loses a race. A malformed command is recorded as
 * poison, never retried (see `Subscription`).
 */
@Injectable()
export class InventoryCommandsSubscriber {
  private readonly subscription: Subscription<StockCommand>;

  constructor(
    bus: MessageBus,
    inbox: Inbox,
    clock: Clock,
    private readonly reserveStock: ReserveStockHandler,
    releaseStock: ReleaseStockHandler,
    private readonly metrics: Metrics,
  ) {
    this.subscription = new Subscription<StockCommand>(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [InventoryMessages.reserveStock]: on(ReserveStockV1, (command, { meta }) => ({
          reservation: { command, meta },
          apply: async (tx: Sql) => this.countRejections([await reserveStock.execute(command, meta, tx)], tx),
        })),
        [InventoryMessages.releaseStock]: on(ReleaseStockV1, (command, { meta }) => ({
          apply: (tx: Sql) => releaseStock.execute(command, meta, tx),
        })),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribeBatch((messages) => this.handleBatch(messages));
  }

  /**
   * A batch (the in-process bus hands over what one read of the log brought): the reservations of different orders
   * in one transaction, on stock rows locked once for all of them; everything else message by message.
   */
  async handleBatch(messages: IntegrationMessage[]): Promise<void> {
    const commands = await this.subscription.accept(messages);
    const { together, alone } = splitBatch(
      commands,
      ({ message }) => orderIdOf(message),
      ({ effect }) => effect.reservation !== undefined,
    );
    const reservations = together.flatMap(({ id, effect }) => (effect.reservation ? [{ id, ...effect.reservation }] : []));
    if (reservations.length > 0)
      await this.subscription.applyTogether(reservations, async (tx, fresh) =>
        this.countRejections(await this.reserveStock.executeTogether(fresh, tx), tx),
      );
    await handleByKey(alone, orderKeyOf, ({ message, effect }) => this.subscription.applyOnce(message, effect.apply));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /** Reservations refused by these commands, counted (`orderly_stock_reservations_rejected_total`) once `tx` commits. */
  private countRejections(reservations: readonly ReservationState[], tx: Sql): void {
    const reasons = reservations.flatMap((reservation) => (reservation.status === 'rejected' ? [reservation.reason] : []));
    if (reasons.length === 0) return;
    const count = () => reasons.forEach((reason) => this.metrics.stockReservationsRejected.inc({ reason }));
    onceCommitted(tx, count);
  }
}
