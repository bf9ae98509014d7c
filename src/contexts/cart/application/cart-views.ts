import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { type Money, sum, times } from '../../../shared-kernel/money';
import { ProductCatalog } from '../../catalog/contracts';
import { CartNotFound, type CartState, initialCartState } from '../domain/cart';
import { checkPrices } from '../domain/cart-pricing';
import type { CartCaller } from './cart-writes';
import { loadCart } from './carts.projection';
import { currentOffers } from './current-offers';
import { findGuestCart } from './guest-carts';

export type CartItemView = {
  sku: string;
  productId?: string;
  name: string;
  quantity: number;
  unitPrice: Money;
  lineTotal: Money;
  /** the catalog's price now; null when the item can no longer be bought */
  currentUnitPrice: Money | null;
  priceChanged: boolean;
  available: boolean;
};

export type CartView = {
  /** null for a guest who has no cart yet */
  id: string | null;
  version: number;
  items: CartItemView[];
  total: Money;
  /** some price changed or some item is no longer sold: checkout refuses the cart until it is refreshed */
  needsRefresh: boolean;
};

/** The cart as the API shows it: the snapshot prices, each compared with the catalog's current one (one lookup). */
@Injectable()
export class CartViews {
  constructor(
    private readonly db: Database,
    private readonly catalog: ProductCatalog,
  ) {}

  async present(cartId: string | null, { state, version }: { state: CartState; version: number }): Promise<CartView> {
    const offers = await currentOffers(
      this.catalog,
      state.lines.map((line) => line.sku),
    );
    const checks = checkPrices(state.lines, offers);
    const items = state.lines.map((line, i): CartItemView => {
      const { currentPrice, priceChanged } = checks[i];
      return {
        ...line,
        lineTotal: times(line.unitPrice, line.quantity),
        currentUnitPrice: currentPrice,
        priceChanged,
        available: currentPrice !== null,
      };
    });
    return {
      id: cartId,
      version,
      items,
      total: sum(items.map((item) => item.lineTotal)),
      needsRefresh: items.some((item) => item.priceChanged || !item.available),
    };
  }

  /** A customer's cart (empty until written); a guest's by token (unknown → 404), or an empty one without a token. */
  async ofCaller(caller: CartCaller, now: Date): Promise<CartView> {
    const { cartId, ...cart } = await loadCallersCart(this.db, caller, now);
    return this.present(cartId, cart);
  }
}

/** The caller's cart as last committed (no lock): `cartId` null for a guest without a token. */
export const loadCallersCart = async (
  db: Database,
  caller: CartCaller,
  now: Date,
): Promise<{ cartId: string | null; state: CartState; version: number }> => {
  if (caller.kind === 'customer') return { cartId: caller.customerId, ...(await loadCart(db, caller.customerId)) };
  if (caller.cartToken === undefined) return { cartId: null, state: initialCartState(), version: 0 };
  const cartId = await findGuestCart(db, caller.cartToken, now);
  if (cartId === undefined) throw new CartNotFound();
  return { cartId, ...(await loadCart(db, cartId)) };
};
