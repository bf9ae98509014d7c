import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { changeQuantity } from '../domain/cart';
import type { CartWriteResult } from './add-cart-item';
import { type CartCaller, decideOnCallersCart } from './cart-writes';
import { CartViews } from './cart-views';

export type ChangeCartItemQuantity = { caller: CartCaller; sku: string; quantity: number };

/** A shopper sets how many of an item the cart holds (1..99); the price snapshot is kept. */
@Injectable()
export class ChangeCartItemQuantityHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
    private readonly views: CartViews,
  ) {}

  async execute({ caller, sku, quantity }: ChangeCartItemQuantity, meta: CommandMeta): Promise<CartWriteResult> {
    const { cartId, ...cart } = await decideOnCallersCart(
      { db: this.db, eventStore: this.eventStore },
      caller,
      (state) => changeQuantity(state, { sku, quantity }),
      meta,
    );
    return { cart: await this.views.present(cartId, cart) };
  }
}
