import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { Scheduler } from '../../../platform/scheduling/scheduler';
import { type ReservationDecision, reservationDecider, type ReservationState, skusOf } from '../domain/reservation';
import type { StockState } from '../domain/stock';
import { expiryKey, reservationStream, StockWrites } from './stock-writes';

export type OrderStockDecision = {
  orderId: string;
  decision: (reservation: ReservationState, stocks: ReadonlyMap<string, StockState>) => ReservationDecision;
  meta: CommandMeta;
};

/**
 * The one way a decision about an order's stock after its reservation (release, expiry, commit, cancellation) is
 * made: `StockWrites.decideOnStock` on the order's reservation stream and the stock rows of its lines. A hold that
 * stops being held no longer expires.
 */
@Injectable()
export class OrderStock {
  constructor(
    private readonly writes: StockWrites,
    private readonly scheduler: Scheduler,
  ) {}

  async decide(
    tx: Sql,
    orderId: string,
    decision: (reservation: ReservationState, stocks: ReadonlyMap<string, StockState>) => ReservationDecision,
    meta: CommandMeta,
  ): Promise<ReservationState> {
    return (await this.decideTogether(tx, [{ orderId, decision, meta }]))[0];
  }

  /** `decide` for several orders at once, on stock rows locked once for all of them (`StockWrites.decideOnStockTogether`). */
  async decideTogether(tx: Sql, orders: readonly OrderStockDecision[]): Promise<ReservationState[]> {
    const outcomes = await this.writes.decideOnStockTogether(
      tx,
      orders.map(({ orderId, decision, meta }) => ({
        on: { stream: reservationStream(orderId), decider: reservationDecider, skus: skusOf, orderId, decide: decision },
        meta,
      })),
    );
    const settled = orders.filter((_, i) => outcomes[i].before.status === 'confirmed' && outcomes[i].after.status !== 'confirmed');
    await this.scheduler.cancel(
      settled.map(({ orderId }) => expiryKey(orderId)),
      tx,
    );
    return outcomes.map(({ after }) => after);
  }
}
