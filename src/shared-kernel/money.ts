import { InvalidInput } from './errors';

/** An amount in integer minor units (cents) of an ISO 4217 currency. Never a float. */
export type Money = { readonly amount: number; readonly currency: string };

export const money = (amount: number, currency: string): Money => {
  if (!Number.isSafeInteger(amount))
    throw new InvalidInput('money.not_minor_units', 'amount must be an integer in minor units', { amount });
  if (!/^[A-Z]{3}$/.test(currency)) throw new InvalidInput('money.bad_currency', 'currency must be an ISO 4217 code', { currency });
  return { amount, currency };
};

export const times = (m: Money, quantity: number): Money => ({ amount: m.amount * quantity, currency: m.currency });

export const add = (a: Money, b: Money): Money => {
  if (a.currency !== b.currency)
    throw new InvalidInput('money.currency_mismatch', 'cannot add different currencies', { a: a.currency, b: b.currency });
  return { amount: a.amount + b.amount, currency: a.currency };
};

export const sum = (items: Money[], currency = items[0]?.currency ?? 'EUR'): Money => items.reduce(add, { amount: 0, currency });

/**
 * `amount × numerator / denominator` in whole minor units, rounded half up, computed exactly (BigInt: no float error
 * on large amounts); 0 when the denominator is 0. For non-negative amounts: tax, percentages, shares of a total.
 */
export const fractionHalfUp = (amount: number, numerator: number, denominator: number): number =>
  denominator === 0 ? 0 : Number((BigInt(amount) * BigInt(numerator) * 2n + BigInt(denominator)) / (2n * BigInt(denominator)));
