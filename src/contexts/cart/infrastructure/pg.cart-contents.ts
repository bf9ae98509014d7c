import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { ProductCatalog } from '../../catalog/contracts';
import { loadCart } from '../application/carts.projection';
import { currentOffers } from '../application/current-offers';
import { CartContents, type CartSnapshot } from '../contracts';
import { type CartState, checkoutsOf } from '../domain/cart';
import { guardReadyForCheckout } from '../domain/cart-pricing';

const snapshot = (cartId: string, { state, version }: { state: CartState; version: number }): CartSnapshot => ({
  cartId,
  version,
  checkouts: checkoutsOf(state),
  lines: state.lines.map(({ sku, productId, name, quantity, unitPrice }) => ({
    sku,
    ...(productId ? { productId } : {}),
    name,
    quantity,
    unitPrice,
  })),
});

/** CartContents from the `cart.carts` projection: one primary-key lookup (plus one catalog lookup for checkout). */
@Injectable()
export class PgCartContents extends CartContents {
  constructor(
    private readonly db: Database,
    private readonly catalog: ProductCatalog,
  ) {
    super();
  }

  async getCart(cartId: string): Promise<CartSnapshot> {
    return snapshot(cartId, await loadCart(this.db, cartId));
  }

  async getCartForCheckout(cartId: string): Promise<CartSnapshot> {
    const cart = await loadCart(this.db, cartId);
    const offers = await currentOffers(
      this.catalog,
      cart.state.lines.map((line) => line.sku),
    );
    guardReadyForCheckout(cart.state, offers);
    return snapshot(cartId, cart);
  }
}
