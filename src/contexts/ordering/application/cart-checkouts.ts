import type { Sql } from '../../../platform/persistence/database';
import type { CartSnapshot } from '../../cart/contracts';
import { CartAlreadyOrdered } from '../domain/order';

/**
 * Claims the cart's current checkout number for `orderId`, in the transaction that appends its OrderPlaced (ADR 0020).
 * The unique `(cart, checkout number)` row lets one order be placed per checkout of a cart: the number moves only once
 * the cart has taken the previous order's lines out, so a checkout racing with this one (another tab, another key,
 * the cart changed meanwhile) cannot order the same lines again. A number already claimed throws 409
 * `ordering.cart_already_ordered`, naming the order that holds it; the caller's transaction then writes nothing.
 */
export const claimCartCheckout = async (tx: Sql, cart: CartSnapshot, orderId: string): Promise<void> => {
  const { rows: claimed } = await tx.query<{ order_id: string }>(
    `insert into ordering.cart_checkouts (cart_id, cart_version, checkout_number, order_id) values ($1, $2, $3, $4)
     on conflict do nothing returning order_id`,
    [cart.cartId, cart.version, cart.checkouts, orderId],
  );
  if (claimed.length === 0) throw new CartAlreadyOrdered(cart.cartId, await orderHoldingCheckout(tx, cart));
};

/** The order holding the cart's checkout number (or, for claims made before numbers existed, its version). */
const orderHoldingCheckout = async (tx: Sql, cart: CartSnapshot): Promise<string> => {
  const { rows } = await tx.query<{ order_id: string }>(
    `select order_id from ordering.cart_checkouts where cart_id = $1 and (checkout_number = $2 or cart_version = $3)
     order by checkout_number is null limit 1`,
    [cart.cartId, cart.checkouts, cart.version],
  );
  return rows[0]?.order_id ?? '';
};
