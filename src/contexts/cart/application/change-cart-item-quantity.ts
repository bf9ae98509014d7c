import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { changeQuantity } from '../domain/cart';
import { decideOnCart } from './cart-writes';
import { type CartView, toCartView } from './carts.projection';

export type ChangeCartItemQuantity = { cartId: string; sku: string; quantity: number };

/** A customer sets how many of an item the cart holds (1..99); the price snapshot is kept. */
@Injectable()
export class ChangeCartItemQuantityHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {}

  async execute({ cartId, sku, quantity }: ChangeCartItemQuantity, meta: CommandMeta): Promise<CartView> {
    return toCartView(
      cartId,
      await decideOnCart({ db: this.db, eventStore: this.eventStore }, cartId, (state) => changeQuantity(state, { sku, quantity }), meta),
    );
  }
}
