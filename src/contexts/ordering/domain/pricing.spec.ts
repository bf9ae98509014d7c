import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  admitCoupon,
  CouponAlreadyExpired,
  couponDiscount,
  CouponCurrencyMismatch,
  CouponExhausted,
  CouponExpired,
  CouponMinOrderNotMet,
  OrderItemUnavailable,
  parcelWeightGrams,
  priceOrder,
  taxOn,
  type Coupon,
} from './pricing';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const now = new Date('2026-03-01T10:00:00Z');
const lines = [
  { quantity: 2, unitPrice: eur(1250) },
  { quantity: 1, unitPrice: eur(1999) },
];
const standard = { method: 'standard', name: 'Standard', price: eur(490) };
const percent = (value: number, extra: Partial<Coupon> = {}): Coupon =>
  ({ code: 'SAVE', type: 'percentage', value, used: 0, ...extra }) as Coupon;
const fixed = (value: number, extra: Partial<Coupon> = {}): Coupon =>
  ({ code: 'FLAT', type: 'fixed', value, currency: 'EUR', used: 0, ...extra }) as Coupon;
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
};

describe('pricing', () => {
  it('without coupon or tax rate: the goods plus shipping, shipping shown as a charge', () =>
    expect(priceOrder({ lines, shipping: standard, now })).toEqual({
      subtotal: eur(4499),
      charges: [{ kind: 'shipping', label: 'Standard', amount: eur(490) }],
      total: eur(4989),
    }));

  it('taxes goods + shipping - discount once per order, rounded half up', () => {
    // 4499 - 450 (10% of 4499 = 449.9, half up) + 490 = 4539; 19% = 862.41 → 862
    const priced = priceOrder({
      lines,
      shipping: standard,
      coupon: percent(10),
      taxRate: { country: 'DE', rateBps: 1900, name: 'VAT' },
      now,
    });
    expect(priced.charges).toEqual([
      { kind: 'shipping', label: 'Standard', amount: eur(490) },
      { kind: 'discount', label: 'Coupon SAVE (10%)', amount: eur(-450) },
      { kind: 'tax', label: 'VAT 19%', amount: eur(862) },
    ]);
    expect(priced.total).toEqual(eur(4499 + 490 - 450 + 862));
  });

  it('rounds tax and percentage discounts half up, exactly at the half', () => {
    expect(taxOn(eur(50), 1000)).toEqual(eur(5)); // 5.0
    expect(taxOn(eur(5), 1000)).toEqual(eur(1)); // 0.5 → 1
    expect(taxOn(eur(4), 1000)).toEqual(eur(0)); // 0.4 → 0
    expect(taxOn(eur(1000), 825)).toEqual(eur(83)); // 82.5 → 83
    expect(taxOn(eur(Number.MAX_SAFE_INTEGER), 10_000)).toEqual(eur(Number.MAX_SAFE_INTEGER));
    expect(couponDiscount(percent(15), eur(10), now)).toEqual(eur(2)); // 1.5 → 2
    expect(couponDiscount(percent(15), eur(9), now)).toEqual(eur(1)); // 1.35 → 1
  });

  it('labels fractional rates as people read them', () =>
    expect(
      priceOrder({ lines, shipping: standard, taxRate: { country: 'US', rateBps: 825, name: 'Sales tax' }, now }).charges[1].label,
    ).toBe('Sales tax 8.25%'));

  it('a fixed coupon takes its amount, never more than the goods', () => {
    expect(couponDiscount(fixed(500), eur(4499), now)).toEqual(eur(500));
    expect(couponDiscount(fixed(10_000), eur(4499), now)).toEqual(eur(4499));
    const priced = priceOrder({ lines, shipping: standard, coupon: fixed(10_000), now });
    expect(priced.total).toEqual(eur(490)); // shipping is still paid
  });

  it('a 100% coupon makes the goods free', () => expect(couponDiscount(percent(100), eur(4499), now)).toEqual(eur(4499)));

  it('refuses a fixed coupon or a minimum order in another currency', () => {
    expect(refusal(() => couponDiscount(fixed(500), { amount: 4499, currency: 'USD' }, now))).toBeInstanceOf(CouponCurrencyMismatch);
    const minInUsd = percent(10, { minOrder: { amount: 100, currency: 'USD' } });
    expect(refusal(() => couponDiscount(minInUsd, eur(4499), now))).toMatchObject({ code: 'ordering.coupon_currency_mismatch' });
  });

  it('applies a minimum order to the goods subtotal, inclusive', () => {
    expect(couponDiscount(percent(10, { minOrder: eur(4499) }), eur(4499), now)).toEqual(eur(450));
    const refused = refusal(() => couponDiscount(percent(10, { minOrder: eur(4500) }), eur(4499), now));
    expect(refused).toBeInstanceOf(CouponMinOrderNotMet);
    expect(refused).toMatchObject({ kind: 'unprocessable', code: 'ordering.coupon_min_order_not_met' });
  });

  it('refuses an expired coupon from the instant it expires', () => {
    expect(couponDiscount(percent(10, { expiresAt: '2026-03-01T10:00:00.001Z' }), eur(100), now)).toEqual(eur(10));
    expect(refusal(() => couponDiscount(percent(10, { expiresAt: now.toISOString() }), eur(100), now))).toBeInstanceOf(CouponExpired);
  });

  it('admits a new coupon only when it expires after its creation', () => {
    expect(() => admitCoupon({ code: 'NEVER' }, now)).not.toThrow();
    expect(() => admitCoupon({ code: 'SOON', expiresAt: '2026-03-01T10:00:00.001Z' }, now)).not.toThrow();
    for (const expiresAt of [now.toISOString(), '2026-03-01T09:59:59.999Z', '2026-03-01T11:00:00+02:00']) {
      const refused = refusal(() => admitCoupon({ code: 'GONE', expiresAt }, now));
      expect(refused, expiresAt).toBeInstanceOf(CouponAlreadyExpired);
      expect(refused).toMatchObject({ kind: 'unprocessable', code: 'ordering.coupon_already_expired' });
    }
  });

  it('refuses a coupon whose uses are all taken', () => {
    expect(couponDiscount(percent(10, { usageLimit: 3, used: 2 }), eur(100), now)).toEqual(eur(10));
    expect(refusal(() => couponDiscount(percent(10, { usageLimit: 3, used: 3 }), eur(100), now))).toBeInstanceOf(CouponExhausted);
  });

  it('weighs the parcel as unit weight times quantity; a SKU the catalog lost refuses the order', () => {
    const products = [
      { sku: 'MUG-1', weightGrams: 350 },
      { sku: 'TEE-2', weightGrams: 180 },
    ];
    expect(
      parcelWeightGrams(
        [
          { sku: 'MUG-1', quantity: 3 },
          { sku: 'TEE-2', quantity: 2 },
        ],
        products,
      ),
    ).toBe(3 * 350 + 2 * 180);
    expect(refusal(() => parcelWeightGrams([{ sku: 'GONE', quantity: 1 }], products))).toBeInstanceOf(OrderItemUnavailable);
  });

  it('refuses shipping priced in another currency than the goods', () =>
    expect(refusal(() => priceOrder({ lines, shipping: { ...standard, price: { amount: 490, currency: 'USD' } }, now }))).toMatchObject({
      code: 'money.currency_mismatch',
    }));

  it('property: the total is subtotal + charges, never negative; the discount never exceeds the goods', () =>
    fc.assert(
      fc.property(
        fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 50 }), unitPrice: fc.integer({ min: 0, max: 1_000_000 }).map(eur) }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.oneof(
          fc.integer({ min: 1, max: 100 }).map((v) => percent(v)),
          fc.integer({ min: 1, max: 10_000_000 }).map((v) => fixed(v)),
        ),
        (goods, shippingPrice, rateBps, coupon) => {
          const priced = priceOrder({
            lines: goods,
            shipping: { ...standard, price: eur(shippingPrice) },
            taxRate: { country: 'DE', rateBps, name: 'VAT' },
            coupon,
            now,
          });
          const byKind = (kind: string) => priced.charges.find((c) => c.kind === kind)!.amount.amount;
          expect(priced.total.amount).toBe(priced.subtotal.amount + priced.charges.reduce((sum, c) => sum + c.amount.amount, 0));
          expect(-byKind('discount')).toBeLessThanOrEqual(priced.subtotal.amount);
          expect(byKind('discount')).toBeLessThanOrEqual(0);
          expect(byKind('tax')).toBeGreaterThanOrEqual(0);
          expect(priced.total.amount).toBeGreaterThanOrEqual(shippingPrice);
        },
      ),
    ));
});
