import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { removeItem } from '../domain/cart';
import type { CartWriteResult } from './add-cart-item';
import { type CartCaller, decideOnCallersCart } from './cart-writes';
import { CartViews } from './cart-views';

export type RemoveCartItem = { caller: CartCaller; sku: string };

/** A shopper takes an item out of the cart entirely. */
@Injectable()
export class RemoveCartItemHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
    private readonly views: CartViews,
  ) {}

  async execute({ caller, sku }: RemoveCartItem, meta: CommandMeta): Promise<CartWriteResult> {
    const { cartId, ...cart } = await decideOnCallersCart(
      { db: this.db, eventStore: this.eventStore },
      caller,
      (state) => removeItem(state, { sku }),
      meta,
    );
    return { cart: await this.views.present(cartId, cart) };
  }
}
