import type { Money } from '../../../shared-kernel/money';

/** Cart's public contract: a read facade ordering uses to place an order from a cart. */

export type CartLineSnapshot = { sku: string; name: string; quantity: number; unitPrice: Money };

/** The cart as of `version` (0 for a cart never written to); unit prices are what the catalog quoted when added. */
export type CartSnapshot = { cartId: string; version: number; lines: CartLineSnapshot[] };

export abstract class CartContents {
  abstract getCart(cartId: string): Promise<CartSnapshot>;
}
