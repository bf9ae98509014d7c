import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { retryOnConflict } from '../../../platform/event-store/event-store';
import { handleByKey, handleTogether, orderIdOf, splitBatch } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
import { Metrics } from '../../../platform/observability/metrics';
import { onceCommitted, type Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { InvalidInput } from '../../../shared-kernel/errors';
import { ReleaseStockHandler } from '../application/release-stock';
import { ReserveStockHandler } from '../application/reserve-stock';
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

const parse = <S extends z.ZodType>(schema: S, message: IntegrationMessage): z.infer<S> => {
  const parsed = schema.safeParse(message.data);
  if (!parsed.success) throw new InvalidInput('inventory.invalid_command', `malformed ${message.type}`, { issues: parsed.error.issues });
  return parsed.data;
};

/**
 * Inventory's commands from the bus (ordering's checkout): each message is applied once (inbox row and effect in
 * one transaction), and the whole transaction is run again when it loses a race. A malformed command throws,
 * so the bus retries it and then dead-letters it.
 */
@Injectable()
export class InventoryCommandsSubscriber {
  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly reserveStock: ReserveStockHandler,
    private readonly releaseStock: ReleaseStockHandler,
    private readonly metrics: Metrics,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribeBatch(SUBSCRIBER, [InventoryMessages.reserveStock, InventoryMessages.releaseStock], (messages) =>
      this.handleBatch(messages),
    );
  }

  /**
   * A batch (the in-process bus hands over what one read of the log brought): the reservations of different orders
   * in one transaction, on stock rows locked once for all of them; everything else message by message.
   */
  async handleBatch(messages: IntegrationMessage[]): Promise<void> {
    const { together, alone } = splitBatch(messages, orderIdOf, (message) => message.type === InventoryMessages.reserveStock);
    if (together.length > 0) {
      const now = this.clock.now();
      const commands = together.map((message) => ({
        id: message.id,
        command: parse(ReserveStockV1, message),
        meta: metaForMessage(message, SUBSCRIBER, now),
      }));
      await handleTogether(this.inbox, SUBSCRIBER, commands, async (tx, fresh) =>
        this.countRejections(await this.reserveStock.executeTogether(fresh, tx), tx),
      );
    }
    await handleByKey(alone, orderIdOf, (message) => this.handle(message));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now());
    if (message.type === InventoryMessages.reserveStock) {
      const command = parse(ReserveStockV1, message);
      await retryOnConflict(() =>
        this.inbox.handleOnce(SUBSCRIBER, message.id, async (tx) =>
          this.countRejections([await this.reserveStock.execute(command, meta, tx)], tx),
        ),
      );
    } else if (message.type === InventoryMessages.releaseStock) {
      const command = parse(ReleaseStockV1, message);
      await retryOnConflict(() =>
        this.inbox.handleOnce(SUBSCRIBER, message.id, (tx) => this.releaseStock.execute(command, meta, tx).then(() => undefined)),
      );
    }
  }

  /** Reservations refused by these commands, counted (`orderly_stock_reservations_rejected_total`) once `tx` commits. */
  private countRejections(reservations: readonly ReservationState[], tx: Sql): void {
    const reasons = reservations.flatMap((reservation) => (reservation.status === 'rejected' ? [reservation.reason] : []));
    if (reasons.length === 0) return;
    const count = () => reasons.forEach((reason) => this.metrics.stockReservationsRejected.inc({ reason }));
    onceCommitted(tx, count);
  }
}
