import { Conflict, NotFound } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';

/**
 * A customer's shopping cart (stream `cart.cart-<cartId>`). Each line keeps the name and unit price the catalog
 * quoted when it was added. Checking out removes the ordered quantities only, so items added meanwhile stay.
 */
export type CartLine = { sku: string; name: string; quantity: number; unitPrice: Money };
export type CartState = { lines: CartLine[]; /** orders already checked out of this cart (the last few) */ recentOrders: string[] };

export type CartEvent =
  | { type: 'CartItemAdded'; data: { sku: string; name: string; quantity: number; unitPrice: Money } }
  | { type: 'CartItemQuantityChanged'; data: { sku: string; quantity: number } }
  | { type: 'CartItemRemoved'; data: { sku: string } }
  | { type: 'CartCheckedOut'; data: { orderId: string; lines: { sku: string; quantity: number }[] } };

export const MAX_LINE_QUANTITY = 99;
export const MAX_LINES = 50;
const RECENT_ORDERS = 20;

export const initialCartState = (): CartState => ({ lines: [], recentOrders: [] });

export const evolve = (state: CartState, event: CartEvent): CartState => {
  switch (event.type) {
    case 'CartItemAdded': {
      const { sku, name, quantity, unitPrice } = event.data;
      const existing = state.lines.find((line) => line.sku === sku);
      const lines = existing
        ? state.lines.map((line) => (line.sku === sku ? { sku, name, quantity: line.quantity + quantity, unitPrice } : line))
        : [...state.lines, { sku, name, quantity, unitPrice }];
      return { ...state, lines };
    }
    case 'CartItemQuantityChanged':
      return {
        ...state,
        lines: state.lines.map((line) => (line.sku === event.data.sku ? { ...line, quantity: event.data.quantity } : line)),
      };
    case 'CartItemRemoved':
      return { ...state, lines: state.lines.filter((line) => line.sku !== event.data.sku) };
    case 'CartCheckedOut': {
      const ordered = new Map<string, number>();
      for (const { sku, quantity } of event.data.lines) ordered.set(sku, (ordered.get(sku) ?? 0) + quantity);
      const lines = state.lines
        .map((line) => ({ ...line, quantity: line.quantity - Math.min(line.quantity, ordered.get(line.sku) ?? 0) }))
        .filter((line) => line.quantity > 0);
      return { lines, recentOrders: [...state.recentOrders, event.data.orderId].slice(-RECENT_ORDERS) };
    }
  }
};

export const cartDecider = { initialState: initialCartState, evolve };

export class CartItemNotFound extends NotFound {
  constructor(sku: string) {
    super('cart.item_not_found', 'this SKU is not in the cart', { sku });
  }
}

export class LineQuantityExceeded extends Conflict {
  constructor(sku: string, quantity: number) {
    super('cart.line_quantity_exceeded', `a cart line holds at most ${MAX_LINE_QUANTITY} units`, { sku, quantity, max: MAX_LINE_QUANTITY });
  }
}

export class TooManyLines extends Conflict {
  constructor() {
    super('cart.too_many_lines', `a cart holds at most ${MAX_LINES} different items`, { max: MAX_LINES });
  }
}

export class CurrencyMismatch extends Conflict {
  constructor(sku: string, currency: string, cartCurrency: string) {
    super('cart.currency_mismatch', 'every item of a cart is priced in the same currency', { sku, currency, cartCurrency });
  }
}

const guardQuantity = (sku: string, quantity: number) => {
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) throw new LineQuantityExceeded(sku, quantity);
};

export type AddItem = { sku: string; name: string; quantity: number; unitPrice: Money };

/** Adding a SKU already in the cart adds to its quantity (at the latest quoted price). */
export const addItem = (state: CartState, item: AddItem): CartEvent[] => {
  const existing = state.lines.find((line) => line.sku === item.sku);
  guardQuantity(item.sku, item.quantity + (existing?.quantity ?? 0));
  if (!existing && state.lines.length >= MAX_LINES) throw new TooManyLines();
  const other = state.lines.find((line) => line.sku !== item.sku);
  if (other && other.unitPrice.currency !== item.unitPrice.currency)
    throw new CurrencyMismatch(item.sku, item.unitPrice.currency, other.unitPrice.currency);
  return [{ type: 'CartItemAdded', data: { ...item } }];
};

export const changeQuantity = (state: CartState, { sku, quantity }: { sku: string; quantity: number }): CartEvent[] => {
  const existing = state.lines.find((line) => line.sku === sku);
  if (!existing) throw new CartItemNotFound(sku);
  guardQuantity(sku, quantity);
  return existing.quantity === quantity ? [] : [{ type: 'CartItemQuantityChanged', data: { sku, quantity } }];
};

export const removeItem = (state: CartState, { sku }: { sku: string }): CartEvent[] => {
  if (!state.lines.some((line) => line.sku === sku)) throw new CartItemNotFound(sku);
  return [{ type: 'CartItemRemoved', data: { sku } }];
};

/** An order was placed from this cart: its quantities leave the cart, once per order. */
export const checkOut = (
  state: CartState,
  { orderId, lines }: { orderId: string; lines: { sku: string; quantity: number }[] },
): CartEvent[] => {
  if (state.recentOrders.includes(orderId)) return [];
  return [{ type: 'CartCheckedOut', data: { orderId, lines: lines.map(({ sku, quantity }) => ({ sku, quantity })) } }];
};
