import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { NotFound } from '../../../shared-kernel/errors';
import { ProductCatalog } from '../../catalog/contracts';
import { addItem } from '../domain/cart';
import { type CartCaller, decideOnCallersCart } from './cart-writes';
import { type CartView, CartViews } from './cart-views';

export type AddCartItem = { caller: CartCaller; sku: string; quantity: number };

/** What a cart write answers; `newCartToken` when the write created a guest cart. */
export type CartWriteResult = { cart: CartView; newCartToken?: string };

/**
 * A shopper puts a product in the cart at the price the catalog quotes now (the line's price snapshot). A guest's
 * first item creates their cart. SKUs the catalog does not sell (unknown or unpublished) are refused alike, so
 * unpublished products are not revealed.
 */
@Injectable()
export class AddCartItemHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
    private readonly catalog: ProductCatalog,
    private readonly views: CartViews,
  ) {}

  async execute({ caller, sku, quantity }: AddCartItem, meta: CommandMeta): Promise<CartWriteResult> {
    const [product] = await this.catalog.findBySkus([sku]);
    if (!product?.published) throw new NotFound('cart.unknown_sku', 'the catalog sells no product with this SKU', { sku });
    const { productId, name, price: unitPrice } = product;
    const { cartId, newCartToken, ...cart } = await decideOnCallersCart(
      { db: this.db, eventStore: this.eventStore },
      caller,
      (state, owner) => addItem(state, { sku, productId, name, quantity, unitPrice }, owner),
      meta,
      { createGuestCart: true },
    );
    return { cart: await this.views.present(cartId, cart), ...(newCartToken ? { newCartToken } : {}) };
  }
}
