import { Conflict, NotFound } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';

/**
 * A shopping cart (stream `cart.cart-<cartId>`): a customer's (cart id = user id) or a guest's (a random id the
 * guest reaches through a cart token). Each line keeps the name and unit price the catalog quoted when it was added,
 * until the cart is refreshed. Checking out removes the ordered quantities only, so items added meanwhile stay.
 */
export type CartLine = { sku: string; productId?: string; name: string; quantity: number; unitPrice: Money };
export type CartState = {
  lines: CartLine[];
  /** orders already checked out of this cart (the last few) */
  recentOrders: string[];
  /**
   * How many orders' lines have left this cart. Ordering places at most one order per number, and the next number
   * exists only once the last order's lines are out: a line is never ordered twice. Snapshots written before it
   * existed lack it (`checkoutsOf`).
   */
  checkouts?: number;
  /** started (CartStarted or a merge) and not checked out since; snapshots written before it existed lack it */
  open?: boolean;
  /** a guest cart merged into this customer's cart at login: it takes no more writes */
  mergedInto?: string;
};

/** Who a cart belongs to, as `CartStarted` records it. */
export type CartOwner = { guest: true } | { guest: false; customerId: string };

export type DroppedLine = { sku: string; quantity: number; reason: 'line_quantity_cap' | 'line_count_cap' | 'currency_mismatch' };

export type CartEvent =
  /** Recorded before a cart's first line carried its start (`CartItemAdded.starts`); still read from older streams. */
  | { type: 'CartStarted'; data: CartOwner }
  /** `starts`: this line started the cart (who owns it), what analytics counts as a cart started. */
  | {
      type: 'CartItemAdded';
      data: { sku: string; productId?: string; name: string; quantity: number; unitPrice: Money; starts?: CartOwner };
    }
  | { type: 'CartItemQuantityChanged'; data: { sku: string; quantity: number } }
  | { type: 'CartItemRemoved'; data: { sku: string } }
  | { type: 'CartItemRepriced'; data: { sku: string; previousPrice: Money; unitPrice: Money } }
  | { type: 'UnavailableCartItemDropped'; data: { sku: string; quantity: number } }
  | { type: 'CartCheckedOut'; data: { orderId: string; lines: { sku: string; quantity: number }[] } }
  /** on the customer's cart: `lines` carry the quantities added (after caps); `dropped` what did not fit */
  | { type: 'GuestCartMerged'; data: { guestCartId: string; lines: CartLine[]; dropped: DroppedLine[] } }
  /** on the guest cart: its lines moved to the customer's cart */
  | { type: 'GuestCartClaimed'; data: { customerId: string } };

export const CART_EVENT_TYPES: readonly CartEvent['type'][] = [
  'CartStarted',
  'CartItemAdded',
  'CartItemQuantityChanged',
  'CartItemRemoved',
  'CartItemRepriced',
  'UnavailableCartItemDropped',
  'CartCheckedOut',
  'GuestCartMerged',
  'GuestCartClaimed',
];

export const MAX_LINE_QUANTITY = 99;
export const MAX_LINES = 50;
const RECENT_ORDERS = 20;

export const initialCartState = (): CartState => ({ lines: [], recentOrders: [] });

/** Orders whose lines have left the cart (carts checked out before the count existed: at most the last few, which only renumbers them). */
export const checkoutsOf = (state: CartState): number => state.checkouts ?? state.recentOrders.length;

const withLine = (lines: CartLine[], sku: string, update: (line: CartLine) => CartLine): CartLine[] =>
  lines.map((line) => (line.sku === sku ? update(line) : line));

export const evolve = (state: CartState, event: CartEvent): CartState => {
  switch (event.type) {
    case 'CartStarted':
      return { ...state, open: true };
    case 'CartItemAdded': {
      const { sku, productId, name, quantity, unitPrice } = event.data;
      const line: CartLine = { sku, ...(productId ? { productId } : {}), name, quantity, unitPrice };
      const existing = state.lines.find((l) => l.sku === sku);
      const lines = existing
        ? withLine(state.lines, sku, (l) => ({ ...l, ...line, quantity: l.quantity + quantity }))
        : [...state.lines, line];
      return event.data.starts ? { ...state, lines, open: true } : { ...state, lines };
    }
    case 'CartItemQuantityChanged':
      return { ...state, lines: withLine(state.lines, event.data.sku, (line) => ({ ...line, quantity: event.data.quantity })) };
    case 'CartItemRemoved':
    case 'UnavailableCartItemDropped':
      return { ...state, lines: state.lines.filter((line) => line.sku !== event.data.sku) };
    case 'CartItemRepriced':
      return { ...state, lines: withLine(state.lines, event.data.sku, (line) => ({ ...line, unitPrice: event.data.unitPrice })) };
    case 'CartCheckedOut': {
      const ordered = new Map<string, number>();
      for (const { sku, quantity } of event.data.lines) ordered.set(sku, (ordered.get(sku) ?? 0) + quantity);
      const lines = state.lines
        .map((line) => ({ ...line, quantity: line.quantity - Math.min(line.quantity, ordered.get(line.sku) ?? 0) }))
        .filter((line) => line.quantity > 0);
      // the next first line starts a new cart for conversion counting, unless lines added meanwhile keep this one going
      return {
        ...state,
        lines,
        recentOrders: [...state.recentOrders, event.data.orderId].slice(-RECENT_ORDERS),
        checkouts: checkoutsOf(state) + 1,
        open: lines.length > 0,
      };
    }
    case 'GuestCartMerged': {
      let lines = state.lines;
      for (const added of event.data.lines) {
        lines = lines.some((line) => line.sku === added.sku)
          ? withLine(lines, added.sku, (line) => ({ ...line, quantity: line.quantity + added.quantity }))
          : [...lines, added];
      }
      return { ...state, lines, open: state.open === true || event.data.lines.length > 0 };
    }
    case 'GuestCartClaimed':
      return { ...state, lines: [], open: false, mergedInto: event.data.customerId };
  }
};

export const cartDecider = { initialState: initialCartState, evolve };

/** No cart answers to this id or token (unknown, expired, or a guest cart already merged at login). */
export class CartNotFound extends NotFound {
  constructor() {
    super('cart.cart_not_found', 'no cart answers to this cart token');
  }
}

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

/** A merged guest cart is closed: its token no longer reaches it, and the cart itself refuses changes too. */
export const guardNotMerged = (state: CartState) => {
  if (state.mergedInto !== undefined) throw new CartNotFound();
};

export type AddItem = { sku: string; productId?: string; name: string; quantity: number; unitPrice: Money };

/**
 * Adding a SKU already in the cart adds to its quantity (at the latest quoted price). The first line of a cart that
 * is not open yet also starts it (`starts` on that line, which analytics counts): one event, not two.
 */
export const addItem = (state: CartState, item: AddItem, owner: CartOwner): CartEvent[] => {
  guardNotMerged(state);
  const existing = state.lines.find((line) => line.sku === item.sku);
  guardQuantity(item.sku, item.quantity + (existing?.quantity ?? 0));
  if (!existing && state.lines.length >= MAX_LINES) throw new TooManyLines();
  const other = state.lines.find((line) => line.sku !== item.sku);
  if (other && other.unitPrice.currency !== item.unitPrice.currency)
    throw new CurrencyMismatch(item.sku, item.unitPrice.currency, other.unitPrice.currency);
  const starts = state.open !== true && state.lines.length === 0;
  return [{ type: 'CartItemAdded', data: { ...item, ...(starts ? { starts: { ...owner } } : {}) } }];
};

export const changeQuantity = (state: CartState, { sku, quantity }: { sku: string; quantity: number }): CartEvent[] => {
  guardNotMerged(state);
  const existing = state.lines.find((line) => line.sku === sku);
  if (!existing) throw new CartItemNotFound(sku);
  guardQuantity(sku, quantity);
  return existing.quantity === quantity ? [] : [{ type: 'CartItemQuantityChanged', data: { sku, quantity } }];
};

export const removeItem = (state: CartState, { sku }: { sku: string }): CartEvent[] => {
  guardNotMerged(state);
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
