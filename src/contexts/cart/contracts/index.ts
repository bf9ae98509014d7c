import type { CommandMeta } from '../../../platform/event-store/event-store';
import type { Money } from '../../../shared-kernel/money';

/** Cart's public contract: read facades ordering uses to place an order, the guest-cart merge identity calls at login. */

/** `productId` is absent on lines added before variants existed. */
export type CartLineSnapshot = { sku: string; productId?: string; name: string; quantity: number; unitPrice: Money };

/**
 * The cart as of `version` (0 for a cart never written to); unit prices are what the catalog quoted when added.
 * `checkouts`: how many orders' lines have left the cart. An order placed from this snapshot is the cart's checkout
 * number `checkouts`; the cart counts it only once its lines are out, so one order per number means no line is ever
 * ordered twice, however cart changes and checkouts interleave.
 */
export type CartSnapshot = { cartId: string; version: number; checkouts: number; lines: CartLineSnapshot[] };

export abstract class CartContents {
  abstract getCart(cartId: string): Promise<CartSnapshot>;
  /**
   * The cart, ready for checkout: throws `cart.price_changed` (409, with the old and new totals and the lines whose
   * price moved) when the catalog's current price of a line differs from the price in the cart, until the customer
   * refreshes the cart (`POST /api/v1/cart/refresh`); throws `cart.item_unavailable` (409) for lines no longer sold.
   */
  abstract getCartForCheckout(cartId: string): Promise<CartSnapshot>;
}

/** Called by identity when a customer logs in with an `X-Cart-Token` header. */
export abstract class GuestCarts {
  /**
   * Moves the lines of the guest cart named by `cartToken` into the customer's cart (quantities add up, capped per
   * line) and closes the guest cart. An unknown, already merged or malformed token is ignored: login never fails
   * because of it. Idempotent per `meta.commandId`.
   */
  abstract mergeIntoCustomerCart(cartToken: string, customerId: string, meta: CommandMeta): Promise<void>;
}

export const CartMessages = {
  /** A cart got its first line (analytics counts carts for the cart-to-order conversion). */
  cartStarted: 'cart.cart-started.v1',
} as const;

export type CartStartedV1 = { cartId: string; customerId?: string; guest: boolean; startedAt: string };
