import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { type ScheduledMessage, Scheduler } from '../../../platform/scheduling/scheduler';
import {
  normalizeLines,
  reservationDecider,
  type ReservationEvent,
  type ReservationExpiryDue,
  type ReservationLine,
  type ReservationState,
  reserveForOrder,
} from '../domain/reservation';
import { expiryKey, expiryStream, reservationStream, type StockDecisionOn, StockWrites } from './stock-writes';

export type ReserveStock = { orderId: string; lines: ReservationLine[] };

/**
 * Holds stock for every line of an order, or for none (ordering's checkout sends it as `inventory.reserve-stock.v1`).
 * One transaction (`StockWrites.decideOnStock`) locks the SKUs' stock rows in sorted order, decides on them, and
 * appends to each SKU stream at the locked version plus the order's outcome; the CHECK constraints of the projection
 * back the decision. A hold expires after `reservationTtlMs` unless the order is confirmed or cancelled first (the
 * expiry is scheduled in PostgreSQL).
 */
@Injectable()
export class ReserveStockHandler {
  constructor(
    private readonly db: Database,
    private readonly writes: StockWrites,
    private readonly scheduler: Scheduler,
    private readonly config: Config,
  ) {}

  /** With `tx` (e.g. an inbox transaction) it joins it and the caller retries; otherwise it retries lost races itself. */
  async execute(command: ReserveStock, meta: CommandMeta, tx?: Sql): Promise<ReservationState> {
    const run = async (tx: Sql) => (await this.executeTogether([{ command, meta }], tx))[0];
    return tx ? run(tx) : retryOnConflict(() => this.db.transaction(run));
  }

  /**
   * Several orders' reservations in the caller's transaction (one per order), decided one after the other on stock
   * rows locked once for all of them: what a batch of `inventory.reserve-stock.v1` costs under load.
   */
  async executeTogether(commands: readonly { command: ReserveStock; meta: CommandMeta }[], tx: Sql): Promise<ReservationState[]> {
    const decisions = commands.map(({ command, meta }) => {
      const lines = normalizeLines(command.lines);
      const on: StockDecisionOn<ReservationState, ReservationEvent> = {
        stream: reservationStream(command.orderId),
        decider: reservationDecider,
        skus: () => lines.map((line) => line.sku),
        orderId: command.orderId,
        decide: (reservation, stocks) => reserveForOrder(reservation, stocks, { orderId: command.orderId, lines }),
      };
      return { on, meta };
    });
    const outcomes = await this.writes.decideOnStockTogether(tx, decisions);
    const held = commands.filter((_, i) => outcomes[i].before.status === 'none' && outcomes[i].after.status === 'confirmed');
    await this.scheduler.schedule(
      held.map(({ command, meta }) => this.expiryOf(command.orderId, meta)),
      tx,
    );
    return outcomes.map(({ after }) => after);
  }

  private expiryOf(orderId: string, meta: CommandMeta): ScheduledMessage {
    const event: ReservationExpiryDue = { type: 'ReservationExpiryDue', data: { orderId } };
    return {
      key: expiryKey(orderId),
      stream: expiryStream(orderId),
      event,
      dueAt: new Date(meta.now.getTime() + this.config.reservationTtlMs),
      meta: { correlationId: meta.correlationId, causationId: meta.commandId, userId: meta.userId },
    };
  }
}
