import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { NotFound } from '../../../shared-kernel/errors';
import { ProductCatalog } from '../../catalog/contracts';
import { addItem } from '../domain/cart';
import { decideOnCart } from './cart-writes';
import { type CartView, toCartView } from './carts.projection';

export type AddCartItem = { cartId: string; sku: string; quantity: number };

/** A customer puts a product in the cart at the price the catalog quotes now (the line's price snapshot). */
@Injectable()
export class AddCartItemHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
    private readonly catalog: ProductCatalog,
  ) {}

  async execute({ cartId, sku, quantity }: AddCartItem, meta: CommandMeta): Promise<CartView> {
    const [product] = await this.catalog.findBySkus([sku]);
    if (!product) throw new NotFound('cart.unknown_sku', 'the catalog has no product with this SKU', { sku });
    const cart = await decideOnCart(
      { db: this.db, eventStore: this.eventStore },
      cartId,
      (state) => addItem(state, { sku, name: product.name, quantity, unitPrice: product.price }),
      meta,
    );
    return toCartView(cartId, cart);
  }
}
