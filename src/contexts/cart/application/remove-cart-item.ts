import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { removeItem } from '../domain/cart';
import { decideOnCart } from './cart-writes';
import { type CartView, toCartView } from './carts.projection';

export type RemoveCartItem = { cartId: string; sku: string };

/** A customer takes an item out of the cart entirely. */
@Injectable()
export class RemoveCartItemHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {}

  async execute({ cartId, sku }: RemoveCartItem, meta: CommandMeta): Promise<CartView> {
    return toCartView(
      cartId,
      await decideOnCart({ db: this.db, eventStore: this.eventStore }, cartId, (state) => removeItem(state, { sku }), meta),
    );
  }
}
