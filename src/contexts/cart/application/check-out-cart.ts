import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { checkOut } from '../domain/cart';
import { decideOnCart } from './cart-writes';

export type CheckOutCart = { cartId: string; orderId: string; lines: { sku: string; quantity: number }[] };

/**
 * Ordering placed an order from this cart (`ordering.order-placed.v1`): the ordered quantities leave the cart,
 * once per order; anything added to the cart since stays.
 */
@Injectable()
export class CheckOutCartHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {}

  async execute({ cartId, orderId, lines }: CheckOutCart, meta: CommandMeta, tx?: Sql): Promise<void> {
    await decideOnCart({ db: this.db, eventStore: this.eventStore }, cartId, (state) => checkOut(state, { orderId, lines }), meta, tx);
  }
}
