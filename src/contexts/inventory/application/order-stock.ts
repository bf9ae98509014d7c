import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { Scheduler } from '../../../platform/scheduling/scheduler';
import { type ReservationDecision, reservationDecider, type ReservationState, skusOf } from '../domain/reservation';
import type { StockState } from '../domain/stock';
import { lockStocks } from './stock-levels.projection';
import { expiryKey, lockStream, reservationStream, statesOf, StockWrites } from './stock-writes';

/**
 * The one way a decision about an order's stock after its reservation (release, expiry, commit, cancellation) is
 * made: in the caller's transaction, the order's commands queue behind each other, the stock rows of its lines are
 * locked in SKU order, the decision runs on them, and both the SKU streams and the order's stream are appended at
 * the versions read. A hold that stops being held no longer expires.
 */
@Injectable()
export class OrderStock {
  constructor(
    private readonly eventStore: EventStore,
    private readonly writes: StockWrites,
    private readonly scheduler: Scheduler,
  ) {}

  async decide(
    tx: Sql,
    orderId: string,
    decision: (reservation: ReservationState, stocks: ReadonlyMap<string, StockState>) => ReservationDecision,
    meta: CommandMeta,
  ): Promise<ReservationState> {
    const stream = reservationStream(orderId);
    await lockStream(tx, stream);
    const { state: reservation, version } = await this.eventStore.aggregate(stream, reservationDecider, { tx });
    const locked = await lockStocks(tx, skusOf(reservation), orderId);
    const decided = decision(reservation, statesOf(locked));
    await this.writes.appendDecision(tx, decided, locked, { stream, version }, meta);
    const after = decided.outcome.reduce(reservationDecider.evolve, reservation);
    if (reservation.status === 'confirmed' && after.status !== 'confirmed') await this.scheduler.cancel(expiryKey(orderId), tx);
    return after;
  }
}
