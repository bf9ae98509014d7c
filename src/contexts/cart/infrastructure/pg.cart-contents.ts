import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { loadCart } from '../application/carts.projection';
import { CartContents, type CartSnapshot } from '../contracts';

/** CartContents from the `cart.carts` projection: one primary-key lookup. */
@Injectable()
export class PgCartContents extends CartContents {
  constructor(private readonly db: Database) {
    super();
  }

  async getCart(cartId: string): Promise<CartSnapshot> {
    const { state, version } = await loadCart(this.db, cartId);
    return { cartId, version, lines: state.lines.map(({ sku, name, quantity, unitPrice }) => ({ sku, name, quantity, unitPrice })) };
  }

  getCartForCheckout(cartId: string): Promise<CartSnapshot> {
    return this.getCart(cartId);
  }
}
