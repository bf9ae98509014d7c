import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { ShippingRates } from './contracts';

let t: TestApp;
let admin: string;
let staff: string;
let customer: string;

beforeAll(async () => {
  t = await bootTestApp();
  admin = (await t.registerAndLogin('admin')).token;
  staff = (await t.registerAndLogin('staff')).token;
  customer = (await t.registerAndLogin('customer')).token;
  for (const body of [
    { code: 'standard', name: 'Standard', countries: ['DE', 'AT'], currency: 'EUR', rate: { type: 'flat', amount: 495 }, freeOver: 5000 },
    {
      code: 'parcel',
      name: 'Parcel by weight',
      countries: 'all',
      currency: 'EUR',
      rate: { type: 'weight', base: 300, perKg: 250, maxWeightGrams: 30_000 },
    },
    {
      code: 'express',
      name: 'Express',
      countries: ['DE'],
      currency: 'EUR',
      rate: {
        type: 'brackets',
        brackets: [
          { upToGrams: 1000, amount: 900 },
          { upToGrams: 5000, amount: 1400 },
        ],
      },
    },
    { code: 'us-ground', name: 'Ground', countries: ['US'], currency: 'USD', rate: { type: 'flat', amount: 799 } },
  ]) {
    const res = await create(body);
    expect(res.statusCode, res.body).toBe(201);
  }
});
afterAll(async () => t?.close());

const create = (body: object, token = admin) => t.inject('POST', '/api/v1/shipping-methods', { token, body });
const list = (query: Record<string, string>) => t.inject('GET', '/api/v1/shipping-methods', { query });
const codesAndPrices = async (query: Record<string, string>) =>
  (await list(query)).json().items.map((i: { code: string; price: { amount: number } }) => [i.code, i.price.amount]);

describe('shipping methods over HTTP', () => {
  it('lists publicly the methods that ship to a country with their price for the weight, cheapest first', async () => {
    const res = await list({ country: 'DE', weightGrams: '1234', currency: 'EUR' });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([
      { code: 'standard', name: 'Standard', price: { amount: 495, currency: 'EUR' }, freeOver: { amount: 5000, currency: 'EUR' } },
      { code: 'parcel', name: 'Parcel by weight', price: { amount: 609, currency: 'EUR' }, maxWeightGrams: 30_000 },
      { code: 'express', name: 'Express', price: { amount: 1400, currency: 'EUR' }, maxWeightGrams: 5000 },
    ]);
    expect(await codesAndPrices({ country: 'FR', weightGrams: '1000', currency: 'EUR' })).toEqual([['parcel', 550]]);
    expect(await codesAndPrices({ country: 'US' })).toEqual([
      ['parcel', 300],
      ['us-ground', 799],
    ]);
  });

  it('leaves out methods the parcel is too heavy for, and applies free shipping from the subtotal', async () => {
    expect(await codesAndPrices({ country: 'DE', weightGrams: '6000', currency: 'EUR' })).toEqual([
      ['standard', 495],
      ['parcel', 1800],
    ]);
    expect(await codesAndPrices({ country: 'DE', weightGrams: '31000', currency: 'EUR', subtotal: '5000' })).toEqual([['standard', 0]]);
  });

  it('quotes through ShippingRates exactly what the listing shows', async () => {
    const rates = t.get(ShippingRates);
    expect(await rates.quoteAll('DE', 1234, 'EUR')).toEqual([
      { code: 'standard', name: 'Standard', price: { amount: 495, currency: 'EUR' } },
      { code: 'parcel', name: 'Parcel by weight', price: { amount: 609, currency: 'EUR' } },
      { code: 'express', name: 'Express', price: { amount: 1400, currency: 'EUR' } },
    ]);
    expect(await rates.quote('express', 'DE', 900, 'EUR')).toEqual({
      code: 'express',
      name: 'Express',
      price: { amount: 900, currency: 'EUR' },
    });
    expect(await rates.quote('standard', 'AT', 100, 'EUR', 6000)).toMatchObject({ price: { amount: 0 } });
    expect(await rates.quote('express', 'DE', 5001, 'EUR')).toBeNull();
    expect(await rates.quote('express', 'AT', 900, 'EUR')).toBeNull();
    expect(await rates.quote('express', 'DE', 900, 'USD')).toBeNull();
    expect(await rates.quote('nope', 'DE', 900, 'EUR')).toBeNull();
    expect(await rates.quote('express', 'XX', 900, 'EUR')).toBeNull();
  });

  it('requires a valid country and refuses malformed queries (400)', async () => {
    for (const query of [
      {} as Record<string, string>,
      { country: 'XX' },
      { country: 'D\u212a' }, // a look-alike of DK (Kelvin sign), refused rather than folded
      { country: 'DE', weightGrams: '-1' },
      { country: 'DE', weightGrams: '1.5' },
      { country: 'DE', currency: 'euro' },
      { country: 'DE', other: '1' },
    ]) {
      const res = await list(query);
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // country codes are case-insensitive, as everywhere in the API
    const lower = await list({ country: 'de' });
    expect(lower.statusCode).toBe(200);
    expect(lower.json()).toEqual((await list({ country: 'DE' })).json());
  });

  it('revises, retires and revives a method (admin)', async () => {
    await create({ code: 'economy', name: 'Economy', countries: ['NL'], currency: 'EUR', rate: { type: 'flat', amount: 300 } });
    const revised = await t.inject('PATCH', '/api/v1/shipping-methods/economy', {
      token: admin,
      body: { name: 'Economy+', countries: ['NL', 'BE'], rate: { type: 'flat', amount: 350, maxWeightGrams: 2000 } },
    });
    expect(revised.statusCode).toBe(200);
    expect(revised.json()).toEqual({
      code: 'economy',
      name: 'Economy+',
      countries: ['NL', 'BE'],
      currency: 'EUR',
      rate: { type: 'flat', amount: 350, maxWeightGrams: 2000 },
      active: true,
    });
    expect(await codesAndPrices({ country: 'BE', currency: 'EUR' })).toEqual([
      ['parcel', 300],
      ['economy', 350],
    ]);

    expect((await t.inject('DELETE', '/api/v1/shipping-methods/economy', { token: admin })).statusCode).toBe(204);
    expect(await codesAndPrices({ country: 'BE', currency: 'EUR' })).toEqual([['parcel', 300]]);
    expect(await t.get(ShippingRates).quote('economy', 'BE', 0, 'EUR')).toBeNull();
    expect((await t.inject('GET', '/api/v1/shipping-methods/economy', { token: admin })).json()).toMatchObject({ active: false });

    const revived = await t.inject('PATCH', '/api/v1/shipping-methods/economy', { token: admin, body: { active: true, freeOver: 1000 } });
    expect(revived.json()).toMatchObject({ active: true, freeOver: 1000 });
    const cleared = await t.inject('PATCH', '/api/v1/shipping-methods/economy', { token: admin, body: { freeOver: null } });
    expect(cleared.json().freeOver).toBeUndefined();
    expect(await codesAndPrices({ country: 'BE', currency: 'EUR' })).toEqual([
      ['parcel', 300],
      ['economy', 350],
    ]);
  });

  it('answers 404 for unknown methods and 409 for a taken code', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/shipping-methods/nope', undefined],
      ['PATCH', '/api/v1/shipping-methods/nope', { name: 'x' }],
      ['DELETE', '/api/v1/shipping-methods/nope', undefined],
      ['DELETE', '/api/v1/shipping-methods/NOT%20A%20CODE', undefined],
    ] as const) {
      expect((await t.inject(method, url, { token: admin, body })).json()).toMatchObject({
        status: 404,
        code: 'shipping.method_not_found',
      });
    }
    const again = await create({ code: 'standard', name: 'Again', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 1 } });
    expect(again.json()).toMatchObject({ status: 409, code: 'shipping.method_code_taken' });
  });

  it('lets only admins write (customer and staff → 403, anonymous → 401)', async () => {
    const body = { code: 'sneaky', name: 'Sneaky', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    for (const token of [customer, staff]) {
      expect((await create(body, token)).statusCode).toBe(403);
      expect((await t.inject('PATCH', '/api/v1/shipping-methods/standard', { token, body: { name: 'x' } })).statusCode).toBe(403);
      expect((await t.inject('DELETE', '/api/v1/shipping-methods/standard', { token })).statusCode).toBe(403);
      expect((await t.inject('GET', '/api/v1/shipping-methods/standard', { token })).statusCode).toBe(403);
    }
    expect((await t.inject('POST', '/api/v1/shipping-methods', { body })).statusCode).toBe(401);
    expect((await t.inject('GET', '/api/v1/shipping-methods/sneaky', { token: admin })).statusCode).toBe(404);
  });

  it('refuses computed or unknown fields and invalid rates (400), leaving nothing behind', async () => {
    const valid = { code: 'bad', name: 'Bad', countries: ['DE'], currency: 'EUR', rate: { type: 'flat', amount: 100 } };
    for (const body of [
      { ...valid, price: { amount: 0, currency: 'EUR' } },
      { ...valid, active: false },
      { ...valid, rate: { type: 'flat', amount: 100, price: 0 } },
      { ...valid, rate: { type: 'flat', amount: 1.5 } },
      { ...valid, rate: { type: 'flat', amount: -1 } },
      { ...valid, rate: { type: 'weight', base: 100 } },
      { ...valid, rate: { type: 'volume', amount: 1 } },
      { ...valid, rate: { type: 'brackets', brackets: [] } },
      {
        ...valid,
        rate: {
          type: 'brackets',
          brackets: [
            { upToGrams: 2000, amount: 1 },
            { upToGrams: 1000, amount: 2 },
          ],
        },
      },
      { ...valid, countries: ['DE', 'XX'] },
      { ...valid, countries: ['DE', 'DE'] },
      { ...valid, countries: [] },
      { ...valid, currency: 'eur' },
      { ...valid, code: 'Not A Code' },
    ]) {
      const res = await create(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await t.inject('PATCH', '/api/v1/shipping-methods/standard', { token: admin, body: { price: 0 } })).statusCode).toBe(400);
    expect((await t.inject('PATCH', '/api/v1/shipping-methods/standard', { token: admin, body: {} })).statusCode).toBe(400);
    expect((await t.inject('GET', '/api/v1/shipping-methods/bad', { token: admin })).statusCode).toBe(404);
    expect((await t.inject('GET', '/api/v1/shipping-methods/standard', { token: admin })).json().name).toBe('Standard');
  });

  it('replays a create retried with the same Idempotency-Key', async () => {
    const body = { code: 'retry', name: 'Retry', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 100 } };
    const headers = { 'idempotency-key': 'create-retry-1' };
    const first = await t.inject('POST', '/api/v1/shipping-methods', { token: admin, body, headers });
    const second = await t.inject('POST', '/api/v1/shipping-methods', { token: admin, body, headers });
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(second.headers['idempotent-replayed']).toBe('true');
  });
});
