import { Conflict, Unprocessable } from '../../../shared-kernel/errors';
import { fractionHalfUp, sum, times, type Money } from '../../../shared-kernel/money';

/**
 * What an order costs: its goods, then what the order adds or takes away, shown as lines of their own.
 *
 * Prices are net: tax is added on top, on what the customer pays for goods and shipping after the discount
 * (goods + shipping - discount). Tax is computed once per order, not per line, and rounded half up to minor units;
 * a percentage discount is rounded half up too. A discount never exceeds the goods subtotal, so the total is never
 * negative. A coupon's minimum order is compared with the goods subtotal (before shipping, discount and tax).
 */

export type OrderCharge = { kind: 'shipping' | 'tax' | 'discount'; label: string; amount: Money };

/** A tax rate of a shipping country, in basis points (1900 = 19%). */
export type TaxRate = { country: string; rateBps: number; name: string };

/** `percentage`: `value` percent (1-100) of the goods; `fixed`: `value` minor units of `currency`. */
export type Coupon = { code: string; minOrder?: Money; expiresAt?: string; usageLimit?: number; used: number } & (
  { type: 'percentage'; value: number } | { type: 'fixed'; value: number; currency: string }
);

/** The shipping method chosen at checkout, priced by shipping for this parcel and country. */
export type ShippingChoice = { method: string; name: string; price: Money };

export type PricedOrder = { subtotal: Money; charges: OrderCharge[]; total: Money };

export class CouponInvalid extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.coupon_invalid', message, details);
  }
}
export class CouponExpired extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.coupon_expired', message, details);
  }
}
export class CouponExhausted extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.coupon_exhausted', message, details);
  }
}
export class CouponCurrencyMismatch extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.coupon_currency_mismatch', message, details);
  }
}
export class CouponMinOrderNotMet extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.coupon_min_order_not_met', message, details);
  }
}
export class CouponAlreadyExpired extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.coupon_already_expired', message, details);
  }
}
export class ShippingMethodUnavailable extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.shipping_method_unavailable', message, details);
  }
}
export class OrderItemUnavailable extends Conflict {
  constructor(sku: string) {
    super('ordering.item_unavailable', 'a line of the cart is no longer sold; refresh the cart', { sku });
  }
}

/** `amount * numerator / denominator` rounded half up, exactly (BigInt: no float, no overflow). */
export const taxOn = (base: Money, rateBps: number): Money => ({
  amount: fractionHalfUp(base.amount, rateBps, 10_000),
  currency: base.currency,
});

/** "19", "8.25": a basis-point rate as the percent people read. */
const percentOf = (rateBps: number): string => String(rateBps / 100);

/** The parcel's weight: each line's unit weight times its quantity; a SKU the catalog no longer knows refuses the order. */
export const parcelWeightGrams = (
  lines: readonly { sku: string; quantity: number }[],
  products: readonly { sku: string; weightGrams: number }[],
): number => {
  const weights = new Map(products.map((p) => [p.sku, p.weightGrams]));
  return lines.reduce((grams, line) => {
    const weight = weights.get(line.sku);
    if (weight === undefined) throw new OrderItemUnavailable(line.sku);
    return grams + weight * line.quantity;
  }, 0);
};

/**
 * A new coupon is valid from its creation (`now`) until `expiresAt`: a coupon whose end is not after that start
 * would be expired the moment it exists, and is refused.
 */
export const admitCoupon = (coupon: { code: string; expiresAt?: string }, now: Date): void => {
  if (coupon.expiresAt !== undefined && !(Date.parse(coupon.expiresAt) > now.getTime()))
    throw new CouponAlreadyExpired('a coupon must expire after it is created', {
      code: coupon.code,
      expiresAt: coupon.expiresAt,
      now: now.toISOString(),
    });
};

/** The discount a coupon gives on `subtotal` at `now`, or throws why it does not apply. */
export const couponDiscount = (coupon: Coupon, subtotal: Money, now: Date): Money => {
  const { code } = coupon;
  if (coupon.expiresAt !== undefined && now.getTime() >= Date.parse(coupon.expiresAt))
    throw new CouponExpired('this coupon has expired', { code, expiresAt: coupon.expiresAt });
  const currency = coupon.type === 'fixed' ? coupon.currency : coupon.minOrder?.currency;
  if (currency !== undefined && currency !== subtotal.currency)
    throw new CouponCurrencyMismatch(`this coupon applies to orders in ${currency}`, { code, currency });
  if (coupon.minOrder !== undefined && subtotal.amount < coupon.minOrder.amount)
    throw new CouponMinOrderNotMet('the order is below the minimum for this coupon', { code, minOrder: coupon.minOrder, subtotal });
  if (coupon.usageLimit !== undefined && coupon.used >= coupon.usageLimit)
    throw new CouponExhausted('this coupon has been used up', { code });
  const amount = coupon.type === 'fixed' ? coupon.value : fractionHalfUp(subtotal.amount, coupon.value, 100);
  return { amount: Math.min(amount, subtotal.amount), currency: subtotal.currency };
};

/** Prices an order: its goods, then shipping, the coupon's discount and the shipping country's tax as charges. */
export const priceOrder = (input: {
  lines: readonly { quantity: number; unitPrice: Money }[];
  shipping: ShippingChoice;
  taxRate?: TaxRate;
  coupon?: Coupon;
  now: Date;
}): PricedOrder => {
  const { shipping, taxRate, coupon } = input;
  const subtotal = sum(
    input.lines.map((l) => times(l.unitPrice, l.quantity)),
    input.lines[0]?.unitPrice.currency,
  );
  const charges: OrderCharge[] = [{ kind: 'shipping', label: shipping.name, amount: shipping.price }];
  if (coupon) {
    const discount = couponDiscount(coupon, subtotal, input.now);
    const label = coupon.type === 'percentage' ? `Coupon ${coupon.code} (${coupon.value}%)` : `Coupon ${coupon.code}`;
    charges.push({ kind: 'discount', label, amount: { amount: -discount.amount, currency: discount.currency } });
  }
  if (taxRate) {
    const taxable = sum([subtotal, ...charges.map((c) => c.amount)]);
    charges.push({ kind: 'tax', label: `${taxRate.name} ${percentOf(taxRate.rateBps)}%`, amount: taxOn(taxable, taxRate.rateBps) });
  }
  return { subtotal, charges, total: sum([subtotal, ...charges.map((c) => c.amount)]) };
};
