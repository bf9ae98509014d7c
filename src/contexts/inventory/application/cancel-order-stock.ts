import { Injectable } from '@nestjs/common';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { cancelForOrder, type ReservationState } from '../domain/reservation';
import { OrderStock } from './order-stock';

export type CancelOrderStock = { orderId: string };

/**
 * The order is cancelled (`ordering.order-cancelled.v1`), or the parcel of an order cancelled while the carrier had it
 * is back (`ordering.order-parcel-returned.v1`): stock it still holds is released, and the units of a confirmed order
 * go back on hand (ledger reason `order_cancelled`). Decided on inventory's own record of the order,
 * so it composes with the checkout's release command in either order: whichever comes second does nothing.
 */
@Injectable()
export class CancelOrderStockHandler {
  constructor(
    private readonly db: Database,
    private readonly orderStock: OrderStock,
  ) {}

  execute(command: CancelOrderStock, meta: CommandMeta, tx?: Sql): Promise<ReservationState> {
    const run = (tx: Sql) =>
      this.orderStock.decide(tx, command.orderId, (reservation, stocks) => cancelForOrder(reservation, stocks, command), meta);
    return tx ? run(tx) : retryOnConflict(() => this.db.transaction(run));
  }
}
