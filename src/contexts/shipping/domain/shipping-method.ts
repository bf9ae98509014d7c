import { COUNTRY_CODES } from '../../../shared-kernel/country-codes';
import { InvalidInput } from '../../../shared-kernel/errors';

/**
 * A shipping method and how it prices one parcel. All amounts are integer minor units of the method's `currency`;
 * weights are grams. Pure: the HTTP listing and the checkout quote both price through `priceFor`.
 *
 * Rates:
 * - `flat`: `amount` whatever the weight (up to `maxWeightGrams`, if set).
 * - `weight`: `base + perKg × kg`, charged per gram and rounded UP to the next minor unit, so a parcel is never
 *   charged less than its weight costs (up to `maxWeightGrams`, if set).
 * - `brackets`: the `amount` of the first bracket whose `upToGrams` is at least the weight (bounds inclusive,
 *   brackets ascending); a parcel heavier than the last bracket is not accepted.
 * A parcel heavier than the method's limit is not offered that method (no price, rather than an error).
 * `freeOver`: when the order's subtotal (same currency) reaches it, the method costs 0.
 */

export type Rate =
  | { type: 'flat'; amount: number; maxWeightGrams?: number }
  | { type: 'weight'; base: number; perKg: number; maxWeightGrams?: number }
  | { type: 'brackets'; brackets: { upToGrams: number; amount: number }[] };

export type ShippingMethod = {
  code: string;
  name: string;
  /** ISO 3166-1 alpha-2 codes, or 'all' for every country. */
  countries: 'all' | string[];
  currency: string;
  rate: Rate;
  freeOver?: number;
  active: boolean;
};

export type Parcel = { country: string; weightGrams: number; currency: string; subtotal?: number };

/** The heaviest parcel (grams) a rate accepts; undefined when it has no limit. */
export const maxWeightOf = (rate: Rate): number | undefined =>
  rate.type === 'brackets' ? rate.brackets[rate.brackets.length - 1]?.upToGrams : rate.maxWeightGrams;

export const shipsTo = (method: ShippingMethod, country: string): boolean =>
  method.countries === 'all' || method.countries.includes(country);

/** The rate alone: null when the parcel is too heavy for it. */
export const rateFor = (rate: Rate, weightGrams: number): number | null => {
  const max = maxWeightOf(rate);
  if (max !== undefined && weightGrams > max) return null;
  switch (rate.type) {
    case 'flat':
      return rate.amount;
    case 'weight':
      // exact in integers: perKg × grams stays far below 2^53 for the bounds the API accepts
      return rate.base + Math.ceil((rate.perKg * weightGrams) / 1000);
    case 'brackets':
      return rate.brackets.find((bracket) => weightGrams <= bracket.upToGrams)?.amount ?? null;
  }
};

/**
 * What `method` costs for `parcel`, or null when the method is not offered for it: inactive, another currency,
 * not shipping to the country, or the parcel too heavy.
 */
export const priceFor = (method: ShippingMethod, parcel: Parcel): number | null => {
  if (!method.active || method.currency !== parcel.currency || !shipsTo(method, parcel.country)) return null;
  const price = rateFor(method.rate, parcel.weightGrams);
  if (price === null) return null;
  const free = method.freeOver !== undefined && parcel.subtotal !== undefined && parcel.subtotal >= method.freeOver;
  return free ? 0 : price;
};

/** Rules a method must keep after every change (the HTTP schemas check shapes; these check the whole). */
export const checkMethod = (method: ShippingMethod): ShippingMethod => {
  const invalid = (message: string, details: Record<string, unknown> = {}) =>
    new InvalidInput('shipping.invalid_method', message, { code: method.code, ...details });
  if (method.countries !== 'all') {
    if (method.countries.length === 0) throw invalid('a method ships to at least one country');
    const unknown = method.countries.filter((c) => !COUNTRY_CODES.has(c));
    if (unknown.length > 0) throw invalid('unknown country codes', { countries: unknown });
    if (new Set(method.countries).size !== method.countries.length) throw invalid('countries are listed twice');
  }
  if (method.rate.type === 'brackets') {
    const bounds = method.rate.brackets.map((b) => b.upToGrams);
    if (bounds.length === 0) throw invalid('a bracket rate needs at least one bracket');
    if (bounds.some((bound, i) => i > 0 && bound <= bounds[i - 1])) throw invalid('brackets must be in ascending upToGrams');
  }
  return method;
};
