import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { releaseForOrder, reservationDecider, type ReservationState } from '../domain/reservation';
import { lockStocks } from './stock-levels.projection';
import { appendReservationDecision, reservationStream, statesOf } from './stock-writes';

export type ReleaseStock = { orderId: string };

/**
 * Gives back the stock an order holds (ordering's compensation, `inventory.release-stock.v1`). Idempotent per order;
 * a release that arrives before the reservation is recorded, so the late reservation becomes a no-op.
 */
@Injectable()
export class ReleaseStockHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {}

  /** With `tx` (e.g. an inbox transaction) it joins it and the caller retries; otherwise it retries lost races itself. */
  execute(command: ReleaseStock, meta: CommandMeta, tx?: Sql): Promise<ReservationState> {
    const run = async (tx: Sql): Promise<ReservationState> => {
      const stream = reservationStream(command.orderId);
      const { state: reservation, version } = await this.eventStore.aggregate(stream, reservationDecider, { tx });
      const skus = reservation.status === 'confirmed' ? reservation.lines.map((line) => line.sku) : [];
      const locked = await lockStocks(tx, skus, command.orderId);
      const decision = releaseForOrder(reservation, statesOf(locked), { orderId: command.orderId });
      await appendReservationDecision(this.eventStore, tx, decision, locked, { orderId: command.orderId, version }, meta);
      return decision.outcome.reduce(reservationDecider.evolve, reservation);
    };
    return tx ? run(tx) : retryOnConflict(() => this.db.transaction(run));
  }
}
