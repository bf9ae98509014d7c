import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../shared-kernel/errors';
import { checkMethod, maxWeightOf, priceFor, rateFor, type Rate, type ShippingMethod } from './shipping-method';

const method = (overrides: Partial<ShippingMethod> = {}): ShippingMethod => ({
  code: 'standard',
  name: 'Standard',
  countries: ['DE', 'AT'],
  currency: 'EUR',
  rate: { type: 'flat', amount: 495 },
  active: true,
  ...overrides,
});
const parcel = { country: 'DE', weightGrams: 1200, currency: 'EUR' };
const brackets: Rate = {
  type: 'brackets',
  brackets: [
    { upToGrams: 1000, amount: 400 },
    { upToGrams: 5000, amount: 700 },
    { upToGrams: 20000, amount: 1500 },
  ],
};

describe('rates', () => {
  it('flat: the amount whatever the weight, up to its limit (inclusive)', () => {
    expect(rateFor({ type: 'flat', amount: 495 }, 0)).toBe(495);
    expect(rateFor({ type: 'flat', amount: 495 }, 900_000)).toBe(495);
    expect(rateFor({ type: 'flat', amount: 495, maxWeightGrams: 2000 }, 2000)).toBe(495);
    expect(rateFor({ type: 'flat', amount: 495, maxWeightGrams: 2000 }, 2001)).toBeNull();
  });

  it('weight: base + perKg per gram, rounded up to the next minor unit', () => {
    const rate: Rate = { type: 'weight', base: 300, perKg: 250 };
    expect(rateFor(rate, 0)).toBe(300);
    expect(rateFor(rate, 1000)).toBe(550);
    expect(rateFor(rate, 1234)).toBe(300 + 309); // 308.5 → 309
    expect(rateFor(rate, 1)).toBe(301); // 0.25 → 1: never less than the weight costs
    expect(rateFor({ type: 'weight', base: 0, perKg: 1000, maxWeightGrams: 3000 }, 3000)).toBe(3000);
    expect(rateFor({ type: 'weight', base: 0, perKg: 1000, maxWeightGrams: 3000 }, 3001)).toBeNull();
  });

  it('brackets: the first bracket the parcel fits in (bounds inclusive); heavier than the last is not accepted', () => {
    expect(rateFor(brackets, 0)).toBe(400);
    expect(rateFor(brackets, 1000)).toBe(400);
    expect(rateFor(brackets, 1001)).toBe(700);
    expect(rateFor(brackets, 20000)).toBe(1500);
    expect(rateFor(brackets, 20001)).toBeNull();
    expect(maxWeightOf(brackets)).toBe(20000);
  });

  it('weight rates are exact integers, at least the base, and never fall as the parcel gets heavier', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (base, perKg, a, b) => {
          const rate: Rate = { type: 'weight', base, perKg };
          const [light, heavy] = [rateFor(rate, Math.min(a, b))!, rateFor(rate, Math.max(a, b))!];
          expect(Number.isSafeInteger(heavy)).toBe(true);
          expect(light).toBeGreaterThanOrEqual(base);
          expect(heavy).toBeGreaterThanOrEqual(light);
          expect(heavy * 1000).toBeGreaterThanOrEqual(base * 1000 + perKg * Math.max(a, b));
        },
      ),
    );
  });
});

describe('priceFor', () => {
  it('prices a parcel the method accepts', () => {
    expect(priceFor(method(), parcel)).toBe(495);
    expect(priceFor(method({ countries: 'all' }), { ...parcel, country: 'JP' })).toBe(495);
  });

  it('does not offer a method that is retired, in another currency, not shipping there, or for a too heavy parcel', () => {
    expect(priceFor(method({ active: false }), parcel)).toBeNull();
    expect(priceFor(method(), { ...parcel, currency: 'USD' })).toBeNull();
    expect(priceFor(method(), { ...parcel, country: 'FR' })).toBeNull();
    expect(priceFor(method({ rate: brackets }), { ...parcel, weightGrams: 25_000 })).toBeNull();
  });

  it('is free once the subtotal reaches freeOver (and only when the subtotal is given)', () => {
    const free = method({ freeOver: 5000 });
    expect(priceFor(free, { ...parcel, subtotal: 4999 })).toBe(495);
    expect(priceFor(free, { ...parcel, subtotal: 5000 })).toBe(0);
    expect(priceFor(free, parcel)).toBe(495);
    expect(priceFor(method({ freeOver: 5000, rate: brackets }), { ...parcel, weightGrams: 30_000, subtotal: 9999 })).toBeNull();
  });
});

describe('checkMethod', () => {
  const refused = (m: ShippingMethod) => expect(() => checkMethod(m)).toThrow(InvalidInput);
  it('keeps a valid method as it is', () => expect(checkMethod(method({ rate: brackets }))).toEqual(method({ rate: brackets })));
  it('refuses unknown, repeated or no countries', () => {
    refused(method({ countries: ['DE', 'XX'] }));
    refused(method({ countries: ['DE', 'DE'] }));
    refused(method({ countries: [] }));
  });
  it('refuses brackets out of order or repeated', () => {
    refused(
      method({
        rate: {
          type: 'brackets',
          brackets: [
            { upToGrams: 2000, amount: 1 },
            { upToGrams: 1000, amount: 2 },
          ],
        },
      }),
    );
    refused(
      method({
        rate: {
          type: 'brackets',
          brackets: [
            { upToGrams: 1000, amount: 1 },
            { upToGrams: 1000, amount: 2 },
          ],
        },
      }),
    );
    refused(method({ rate: { type: 'brackets', brackets: [] } }));
  });
});
