import { type CartEvent, type CartLine, type CartState, type DroppedLine, MAX_LINE_QUANTITY, MAX_LINES } from './cart';

/**
 * At login, the guest cart's lines move into the customer's cart. Quantities of a SKU in both add up to at most
 * 99; a SKU new to the customer's cart comes with the guest line's price snapshot, while a SKU in both keeps the
 * customer's line (name and price). What does not fit is dropped and recorded in the event, never an error (login
 * must not fail because of a cart): units over 99 on a line, new lines beyond the 50th (the guest cart's order
 * decides which), and lines priced in another currency than the customer's cart.
 */
export const mergeGuestCart = (
  customer: CartState,
  { guestCartId, guestLines }: { guestCartId: string; guestLines: CartLine[] },
): CartEvent[] => {
  const quantities = new Map(customer.lines.map((line) => [line.sku, line.quantity]));
  let currency = customer.lines[0]?.unitPrice.currency;
  const lines: CartLine[] = [];
  const dropped: DroppedLine[] = [];

  for (const guestLine of guestLines) {
    const { sku, quantity } = guestLine;
    if (currency !== undefined && guestLine.unitPrice.currency !== currency) {
      dropped.push({ sku, quantity, reason: 'currency_mismatch' });
      continue;
    }
    const held = quantities.get(sku);
    if (held === undefined && quantities.size >= MAX_LINES) {
      dropped.push({ sku, quantity, reason: 'line_count_cap' });
      continue;
    }
    const taken = Math.min(quantity, MAX_LINE_QUANTITY - (held ?? 0));
    if (taken > 0) lines.push({ ...guestLine, quantity: taken });
    if (taken < quantity) dropped.push({ sku, quantity: quantity - taken, reason: 'line_quantity_cap' });
    quantities.set(sku, (held ?? 0) + taken);
    currency ??= guestLine.unitPrice.currency;
  }

  return lines.length === 0 && dropped.length === 0 ? [] : [{ type: 'GuestCartMerged', data: { guestCartId, lines, dropped } }];
};

/** The guest cart's side of the merge: closed for good, once. */
export const claimGuestCart = (guest: CartState, { customerId }: { customerId: string }): CartEvent[] =>
  guest.mergedInto !== undefined ? [] : [{ type: 'GuestCartClaimed', data: { customerId } }];
