import { Injectable } from '@nestjs/common';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { releaseForOrder, type ReservationState } from '../domain/reservation';
import { OrderStock } from './order-stock';

export type ReleaseStock = { orderId: string };

/**
 * Gives back the stock an order holds (ordering's compensation, `inventory.release-stock.v1`). Idempotent per order;
 * a release that arrives before the reservation is recorded, so the late reservation becomes a no-op. Stock the
 * order no longer holds (expired, released on its cancellation, committed) is left alone.
 */
@Injectable()
export class ReleaseStockHandler {
  constructor(
    private readonly db: Database,
    private readonly orderStock: OrderStock,
  ) {}

  /** With `tx` (e.g. an inbox transaction) it joins it and the caller retries; otherwise it retries lost races itself. */
  execute(command: ReleaseStock, meta: CommandMeta, tx?: Sql): Promise<ReservationState> {
    const run = (tx: Sql) =>
      this.orderStock.decide(tx, command.orderId, (reservation, stocks) => releaseForOrder(reservation, stocks, command), meta);
    return tx ? run(tx) : retryOnConflict(() => this.db.transaction(run));
  }
}
