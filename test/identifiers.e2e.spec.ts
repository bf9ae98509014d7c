import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/shared-kernel/ids';
import {
  CHECKOUT,
  databaseFingerprint,
  expectRefusedWithoutTrace,
  openSecurityShop,
  type SecurityShop,
  trackingNumber,
} from './support/security-shop';

/**
 * S1, input validation: identifiers are normalised once, the same way at every entry (ADR 0022). A look-alike email or
 * coupon code is refused with 400, never folded into another's; codes are taken only as given.
 */

let shop: SecurityShop;

beforeAll(async () => {
  shop = await openSecurityShop();
  // a cart with an item: a checkout that got through would write an order, so a refused one proves the refusal
  await shop.addToCart(shop.alice);
}, 60_000);
afterAll(async () => shop?.t.close());

const refusedWithoutTrace = (request: () => Promise<InjectResponse>, fields: string[], issue?: string | null) =>
  expectRefusedWithoutTrace(shop.db, request, fields, issue);

describe('emails are normalised once: a look-alike never reaches another account', () => {
  it('the Kelvin sign cannot register a second account, nor log in as the k… account', async () => {
    const local = `kim-${newId()}`;
    const email = `${local}@example.com`;
    await shop.ok(
      shop.send('POST', '/api/v1/auth/register', undefined, { email, password: 'correct horse battery staple', name: 'Kim' }),
      201,
    );

    for (const lookalike of [
      `\u212a${local.slice(1)}@example.com`,
      `\uff4b${local.slice(1)}@example.com`,
      `${local}@example.\u212a\u212a`,
    ]) {
      const register = { email: lookalike, password: 'correct horse battery staple', name: 'Not Kim' };
      await refusedWithoutTrace(() => shop.send('POST', '/api/v1/auth/register', undefined, register), ['email'], 'invalid_format');
      const login = { email: lookalike, password: 'correct horse battery staple' };
      await refusedWithoutTrace(() => shop.send('POST', '/api/v1/auth/login', undefined, login), ['email'], 'invalid_format');
    }
    const { rows } = await shop.db.query<{ email: string }>('select email from identity.users where email ilike $1', [
      `%${local.slice(1)}%`,
    ]);
    expect(rows).toEqual([{ email }]);
    // ASCII letter case and surrounding spaces are the documented folding: the same account
    expect(
      (
        await shop.t.inject('POST', '/api/v1/auth/login', {
          body: { email: ` ${email.toUpperCase()} `, password: 'correct horse battery staple' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('the dev mailbox filter takes the same canonical form', async () => {
    const res = await shop.t.inject('GET', '/api/v1/dev/mailbox', { token: shop.admin.token, query: { to: '\u212aim@example.com' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ path: 'to', code: 'invalid_format' });
  });
});

describe('coupon codes are checked as given, then upper-cased', () => {
  it('ß-sale is refused at creation and at checkout, never read as SS-SALE', async () => {
    await refusedWithoutTrace(
      () => shop.send('POST', '/api/v1/coupons', shop.admin.token, { code: 'ß-sale', type: 'percentage', value: 50 }),
      ['code'],
      'invalid_format',
    );
    await shop.ok(shop.send('POST', '/api/v1/coupons', shop.admin.token, { code: 'ss-sale', type: 'percentage', value: 50 }), 201);
    const coupons = await shop.db.query<{ code: string }>('select code from ordering.coupons');
    expect(coupons.rows.map((r) => r.code)).toEqual(['SS-SALE']);

    for (const couponCode of ['ß-sale', 'ß-SALE', 'ẞ-SALE', '\ufb06-sale', 'SS-SALE\n']) {
      await refusedWithoutTrace(
        () => shop.send('POST', '/api/v1/checkout', shop.alice.token, { ...CHECKOUT, couponCode }),
        ['couponCode'],
        'invalid_format',
      );
    }
    const { rows } = await shop.db.query('select 1 from ordering.coupon_redemptions');
    expect(rows).toEqual([]);
  });

  it('a coupon that would be expired already cannot be created', async () => {
    const now = shop.t.clock.now().getTime();
    // a refusal after validation is an outcome: its Idempotency-Key keeps it for replay, and nothing else is written
    const written = () => databaseFingerprint(shop.db, { except: ['http.idempotency_keys'] });
    for (const expiresAt of [new Date(now - 60_000).toISOString(), new Date(now).toISOString(), '2001-01-01T00:00:00+02:00']) {
      const before = await written();
      const res = await shop.send('POST', '/api/v1/coupons', shop.admin.token, {
        code: 'TOO-LATE',
        type: 'percentage',
        value: 10,
        expiresAt,
      });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json()).toMatchObject({ code: 'ordering.coupon_already_expired', details: { code: 'TOO-LATE', expiresAt } });
      expect(await written()).toEqual(before);
    }
    const future = new Date(now + 60_000).toISOString();
    await shop.ok(
      shop.send('POST', '/api/v1/coupons', shop.admin.token, { code: 'IN-TIME', type: 'percentage', value: 10, expiresAt: future }),
      201,
    );
  });
});

describe('other identifiers follow the same rule', () => {
  it('a tracking number or carrier with a line break is refused when shipping', async () => {
    const orderId = await shop.confirmedOrder(shop.bob, 1);
    const ship = (body: object) => () => shop.send('POST', `/api/v1/orders/${orderId}/ship`, shop.staff.token, body);
    await refusedWithoutTrace(
      ship({ carrier: 'sandbox', trackingNumber: `${trackingNumber()}\r\nBcc: x@example.com` }),
      ['trackingNumber'],
      'invalid_format',
    );
    await refusedWithoutTrace(ship({ carrier: 'sand\u212abox', trackingNumber: trackingNumber() }), ['carrier'], 'invalid_format');
  });

  it('a slug, a method code and a currency are taken only as given', async () => {
    const admin = shop.admin.token;
    await refusedWithoutTrace(
      () => shop.send('POST', '/api/v1/categories', admin, { slug: 'mu\u212a', name: 'Mugs' }),
      ['slug'],
      'invalid_format',
    );
    const method = { code: 'expre\u017f\u017f', name: 'Express', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 1 } };
    await refusedWithoutTrace(() => shop.send('POST', '/api/v1/shipping-methods', admin, method), ['code'], 'invalid_format');
    const product = { sku: `CUR-${newId().slice(-8)}`, name: 'Mug', category: 'probe-mugs', price: { amount: 100, currency: 'EU\u212a' } };
    await refusedWithoutTrace(() => shop.send('POST', '/api/v1/products', admin, product), ['price.currency'], 'invalid_format');
  });
});
