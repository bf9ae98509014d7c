import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';

/** The admin side of pricing: tax rates and coupons (checkout-pricing.e2e.spec.ts prices orders with them). */
describe('tax rates and coupons (e2e)', () => {
  let t: TestApp;
  let admin: LoggedIn;

  beforeAll(async () => {
    t = await bootTestApp();
    admin = await t.registerAndLogin('admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('tax rates and coupons: admins only (403 for customer and staff); tax rates are public to read', async () => {
    const customer = await t.registerAndLogin('customer');
    const staff = await t.registerAndLogin('staff');
    const rate = { country: 'FR', rateBps: 2000, name: 'TVA' };
    const newCoupon = { code: 'STAFF-PICK', type: 'percentage', value: 10 };
    for (const caller of [customer, staff]) {
      expect((await t.inject('POST', '/api/v1/tax-rates', { token: caller.token, body: rate })).statusCode).toBe(403);
      expect((await t.inject('POST', '/api/v1/coupons', { token: caller.token, body: newCoupon })).statusCode).toBe(403);
      expect((await t.inject('GET', '/api/v1/coupons', { token: caller.token })).statusCode).toBe(403);
    }
    expect((await t.inject('POST', '/api/v1/tax-rates', { body: rate })).statusCode).toBe(401);

    // upsert per country
    expect((await t.inject('POST', '/api/v1/tax-rates', { token: admin.token, body: rate })).statusCode).toBe(200);
    const changed = await t.inject('POST', '/api/v1/tax-rates', { token: admin.token, body: { country: 'fr', rateBps: 550 } });
    expect(changed.json()).toMatchObject({ country: 'FR', rateBps: 550, name: 'Tax' });
    const listed = await t.inject('GET', '/api/v1/tax-rates');
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ items: { country: string }[] }>().items.filter((r) => r.country === 'FR')).toEqual([
      expect.objectContaining({ rateBps: 550 }),
    ]);

    expect((await t.inject('POST', '/api/v1/coupons', { token: admin.token, body: newCoupon })).statusCode).toBe(201);
    const taken = await t.inject('POST', '/api/v1/coupons', { token: admin.token, body: { ...newCoupon, code: 'staff-pick' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'ordering.coupon_code_taken' });
  });

  it('refuses malformed tax rates and coupons (400)', async () => {
    const as = { token: admin.token };
    for (const body of [
      { country: 'XX', rateBps: 100 },
      { country: 'DE', rateBps: 10_001 },
      { country: 'DE', rateBps: 19.5 },
      { country: 'DE', rateBps: 1900, extra: 1 },
    ])
      expect((await t.inject('POST', '/api/v1/tax-rates', { ...as, body })).statusCode, JSON.stringify(body)).toBe(400);
    for (const body of [
      { code: 'OVER', type: 'percentage', value: 101 },
      { code: 'NOCUR', type: 'fixed', value: 100 },
      { code: 'PCTCUR', type: 'percentage', value: 10, currency: 'EUR' },
      { code: 'MIXED', type: 'fixed', value: 100, currency: 'EUR', minOrder: { amount: 1000, currency: 'USD' } },
      { code: 'USED', type: 'percentage', value: 10, used: 5 },
      { code: 'X', type: 'percentage', value: 10 },
      { code: 'LIMIT0', type: 'percentage', value: 10, usageLimit: 0 },
      { code: 'WHEN', type: 'percentage', value: 10, expiresAt: 'tomorrow' },
    ])
      expect((await t.inject('POST', '/api/v1/coupons', { ...as, body })).statusCode, JSON.stringify(body)).toBe(400);
    expect((await t.inject('GET', '/api/v1/coupons', { ...as, query: { cursor: 'nope' } })).statusCode).toBe(400);
  });
});
