import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { normalizeLines, reservationDecider, type ReservationLine, type ReservationState, reserveForOrder } from '../domain/reservation';
import { lockStocks } from './stock-levels.projection';
import { appendReservationDecision, reservationStream, statesOf } from './stock-writes';

export type ReserveStock = { orderId: string; lines: ReservationLine[] };

/**
 * Holds stock for every line of an order, or for none (ordering's checkout sends it as `inventory.reserve-stock.v1`).
 * One transaction locks the SKUs' stock rows in sorted order, decides on them, and appends to each SKU stream at the
 * locked version plus the order's outcome; the CHECK constraints of the projection back the decision.
 */
@Injectable()
export class ReserveStockHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {}

  /** With `tx` (e.g. an inbox transaction) it joins it and the caller retries; otherwise it retries lost races itself. */
  execute(command: ReserveStock, meta: CommandMeta, tx?: Sql): Promise<ReservationState> {
    const lines = normalizeLines(command.lines);
    const run = async (tx: Sql): Promise<ReservationState> => {
      const locked = await lockStocks(
        tx,
        lines.map((line) => line.sku),
        command.orderId,
      );
      const stream = reservationStream(command.orderId);
      const { state: reservation, version } = await this.eventStore.aggregate(stream, reservationDecider, { tx });
      const decision = reserveForOrder(reservation, statesOf(locked), { orderId: command.orderId, lines });
      await appendReservationDecision(this.eventStore, tx, decision, locked, { orderId: command.orderId, version }, meta);
      return decision.outcome.reduce(reservationDecider.evolve, reservation);
    };
    return tx ? run(tx) : retryOnConflict(() => this.db.transaction(run));
  }
}
