import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { COUNTRY_CODES } from '../../../shared-kernel/country-codes';
import type { Money } from '../../../shared-kernel/money';
import { maxWeightOf, priceFor, type ShippingMethod } from '../domain/shipping-method';
import { type ShippingQuote, ShippingRates } from '../contracts';
import { findMethodsShippingTo, getMethod } from './shipping-methods';

/** A method offered for a parcel, with what a customer needs to read its price. */
export type ShippingOffer = ShippingQuote & { freeOver?: Money; maxWeightGrams?: number };

/** What is being shipped; without `currency`, methods in every currency are offered. */
export type ParcelQuery = { country: string; weightGrams: number; currency?: string; subtotal?: number };

const offerOf = (method: ShippingMethod, query: ParcelQuery): ShippingOffer | null => {
  const price = priceFor(method, { ...query, currency: query.currency ?? method.currency });
  if (price === null) return null;
  const maxWeightGrams = maxWeightOf(method.rate);
  return {
    code: method.code,
    name: method.name,
    price: { amount: price, currency: method.currency },
    ...(method.freeOver !== undefined ? { freeOver: { amount: method.freeOver, currency: method.currency } } : {}),
    ...(maxWeightGrams !== undefined ? { maxWeightGrams } : {}),
  };
};

const isValid = (query: ParcelQuery) =>
  COUNTRY_CODES.has(query.country) && Number.isSafeInteger(query.weightGrams) && query.weightGrams >= 0;

/** Active methods offered for the parcel, cheapest first (then by code). */
export const findOffers = async (db: Database, query: ParcelQuery): Promise<ShippingOffer[]> => {
  if (!isValid(query)) return [];
  return (await findMethodsShippingTo(db, query.country))
    .map((method) => offerOf(method, query))
    .filter((offer): offer is ShippingOffer => offer !== null)
    .sort((a, b) => a.price.currency.localeCompare(b.price.currency) || a.price.amount - b.price.amount || a.code.localeCompare(b.code));
};

const toQuote = ({ code, name, price }: ShippingOffer): ShippingQuote => ({ code, name, price });

/**
 * ShippingRates over the methods admins configured: the public listing and checkout price through the same
 * domain function, so a customer is charged what the listing showed.
 */
@Injectable()
export class ConfiguredShippingRates extends ShippingRates {
  constructor(private readonly db: Database) {
    super();
  }

  async quoteAll(country: string, weightGrams: number, currency: string, subtotal?: number): Promise<ShippingQuote[]> {
    return (await findOffers(this.db, { country, weightGrams, currency, subtotal })).map(toQuote);
  }

  async quote(code: string, country: string, weightGrams: number, currency: string, subtotal?: number): Promise<ShippingQuote | null> {
    const query = { country, weightGrams, currency, subtotal };
    if (!isValid(query)) return null;
    const method = await getMethod(this.db, code);
    const offer = method && offerOf(method, query);
    return offer ? toQuote(offer) : null;
  }
}
