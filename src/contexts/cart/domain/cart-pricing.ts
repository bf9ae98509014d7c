import { Conflict } from '../../../shared-kernel/errors';
import { type Money, sum, times } from '../../../shared-kernel/money';
import { type CartEvent, type CartLine, type CartState, guardNotMerged } from './cart';

/** What the catalog offers a SKU at now; SKUs it no longer knows are absent. */
export type CurrentOffer = { price: Money; published: boolean };

export type LinePriceCheck = {
  sku: string;
  cartPrice: Money;
  /** null when the line can no longer be bought */
  currentPrice: Money | null;
  priceChanged: boolean;
};

const samePrice = (a: Money, b: Money) => a.amount === b.amount && a.currency === b.currency;

/**
 * Each line against the catalog's current offer. A line is unavailable when its SKU is gone or unpublished, or when
 * it is now sold in another currency (a cart holds one currency, so such a line cannot be re-quoted in place).
 */
export const checkPrices = (lines: readonly CartLine[], offers: ReadonlyMap<string, CurrentOffer>): LinePriceCheck[] =>
  lines.map((line) => {
    const offer = offers.get(line.sku);
    const available = offer !== undefined && offer.published && offer.price.currency === line.unitPrice.currency;
    const currentPrice = available ? offer.price : null;
    return {
      sku: line.sku,
      cartPrice: line.unitPrice,
      currentPrice,
      priceChanged: currentPrice !== null && !samePrice(currentPrice, line.unitPrice),
    };
  });

export class ItemUnavailable extends Conflict {
  constructor(skus: string[]) {
    super('cart.item_unavailable', 'some items of the cart are no longer sold; refresh the cart to drop them', { skus });
  }
}

export class PriceChanged extends Conflict {
  constructor(details: { lines: { sku: string; cartPrice: Money; currentPrice: Money }[]; previousTotal: Money; currentTotal: Money }) {
    super('cart.price_changed', 'prices changed since the items were added; refresh the cart to accept the current prices', details);
  }
}

/** Checkout takes the cart only when every line is still sold at the price the cart shows. */
export const guardReadyForCheckout = (state: CartState, offers: ReadonlyMap<string, CurrentOffer>): void => {
  const checks = checkPrices(state.lines, offers);
  const unavailable = checks.filter((check) => check.currentPrice === null).map((check) => check.sku);
  if (unavailable.length > 0) throw new ItemUnavailable(unavailable);
  const changed = checks.filter((check) => check.priceChanged);
  if (changed.length === 0) return;
  const quantities = new Map(state.lines.map((line) => [line.sku, line.quantity]));
  const total = (price: (check: LinePriceCheck) => Money) => sum(checks.map((check) => times(price(check), quantities.get(check.sku)!)));
  throw new PriceChanged({
    lines: changed.map(({ sku, cartPrice, currentPrice }) => ({ sku, cartPrice, currentPrice: currentPrice! })),
    previousTotal: total((check) => check.cartPrice),
    currentTotal: total((check) => check.currentPrice!),
  });
};

/** Re-quotes every line at the current price and drops the lines that can no longer be bought. */
export const refresh = (state: CartState, offers: ReadonlyMap<string, CurrentOffer>): CartEvent[] => {
  guardNotMerged(state);
  const quantities = new Map(state.lines.map((line) => [line.sku, line.quantity]));
  return checkPrices(state.lines, offers).flatMap((check): CartEvent[] => {
    if (check.currentPrice === null)
      return [{ type: 'UnavailableCartItemDropped', data: { sku: check.sku, quantity: quantities.get(check.sku)! } }];
    if (!check.priceChanged) return [];
    return [{ type: 'CartItemRepriced', data: { sku: check.sku, previousPrice: check.cartPrice, unitPrice: check.currentPrice } }];
  });
};
