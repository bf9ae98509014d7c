import { Injectable } from '@nestjs/common';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { commitForOrder, type ReservationState } from '../domain/reservation';
import { OrderStock } from './order-stock';

export type CommitReservation = { orderId: string };

/**
 * The order is confirmed (`ordering.order-confirmed.v1`): its held units leave on-hand and reserved together, and
 * its hold no longer expires. A hold that expired first is taken again if the stock is there; otherwise the order
 * is recorded short of stock (`inventory.stock-shortfall.v1`). Once per order.
 */
@Injectable()
export class CommitReservationHandler {
  constructor(
    private readonly db: Database,
    private readonly orderStock: OrderStock,
  ) {}

  execute(command: CommitReservation, meta: CommandMeta, tx?: Sql): Promise<ReservationState> {
    const run = async (tx: Sql) => (await this.executeTogether([{ command, meta }], tx))[0];
    return tx ? run(tx) : retryOnConflict(() => this.db.transaction(run));
  }

  /** Several confirmed orders in the caller's transaction, on stock rows locked once for all of them. */
  executeTogether(commands: readonly { command: CommitReservation; meta: CommandMeta }[], tx: Sql): Promise<ReservationState[]> {
    return this.orderStock.decideTogether(
      tx,
      commands.map(({ command, meta }) => ({
        orderId: command.orderId,
        decision: (reservation, stocks) => commitForOrder(reservation, stocks, command),
        meta,
      })),
    );
  }
}
