import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { Database } from '../../platform/persistence/database';
import type { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';

const berlin = { name: 'Ada Lovelace', line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'de' };
const london = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const PRICE = 1250;
/** a mug weighs 350 g: two ship as 700 g, for 490 + 200 per kg × 0.7 kg = 630 with the standard method */
const WEIGHT = 350;
const eur = (amount: number) => ({ amount, currency: 'EUR' });

type Order = {
  status: string;
  lines: { sku: string; quantity: number; unitPrice: { amount: number } }[];
  charges: { kind: string; label: string; amount: { amount: number; currency: string } }[];
  subtotal: { amount: number; currency: string };
  total: { amount: number; currency: string };
  couponCode?: string;
  shippingMethod?: string;
};

/** Checkout pricing through HTTP: shipping methods, tax rates and coupons priced into the order and its payment. */
describe('checkout pricing (e2e)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let db: Database;

  beforeAll(async () => {
    t = await bootTestApp({ configOverrides: { paymentProviderTimeoutMs: 200 } });
    admin = await t.registerAndLogin('admin');
    db = t.get(Database);
    const as = { token: admin.token };
    expect((await t.inject('POST', '/api/v1/categories', { ...as, body: { slug: 'mugs', name: 'Mugs' } })).statusCode).toBe(201);
    const methods = [
      { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'weight', base: 490, perKg: 200 } },
      { code: 'express', name: 'Express', countries: ['DE'], currency: 'EUR', rate: { type: 'flat', amount: 1500 } },
    ];
    for (const body of methods) expect((await t.inject('POST', '/api/v1/shipping-methods', { ...as, body })).statusCode).toBe(201);
    const vat = await t.inject('POST', '/api/v1/tax-rates', { ...as, body: { country: 'DE', rateBps: 1900, name: 'VAT' } });
    expect(vat.statusCode, vat.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  const product = async (onHand: number, price = PRICE): Promise<{ id: string; sku: string }> => {
    const sku = `MUG-${newId().slice(-12)}`;
    const created = await t.inject('POST', '/api/v1/products', {
      token: admin.token,
      body: { sku, name: 'Mug', category: 'mugs', price: eur(price), weightGrams: WEIGHT },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand } })).statusCode).toBe(200);
    await t.drain();
    return { id: created.json<{ id: string }>().id, sku };
  };

  const coupon = async (body: object): Promise<void> => {
    const res = await t.inject('POST', '/api/v1/coupons', { token: admin.token, body });
    expect(res.statusCode, res.body).toBe(201);
  };

  const customerWith = async (sku: string, quantity: number): Promise<LoggedIn> => {
    const customer = await t.registerAndLogin('customer');
    const added = await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity } });
    expect(added.statusCode, added.body).toBe(200);
    return customer;
  };

  const checkout = (customer: LoggedIn, body: object, key = newId()) =>
    t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': key },
      body: { paymentToken: 'tok_approve', shippingAddress: berlin, shippingMethod: 'standard', ...body },
    });

  /** Drains the app until the order leaves `placed`, with a deadline. */
  const settled = async (orderId: string, customer: LoggedIn, deadlineMs = 20_000): Promise<Order> => {
    const until = Date.now() + deadlineMs;
    for (;;) {
      await t.drain();
      const order = (await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token })).json<Order>();
      if (order.status !== 'placed') return order;
      if (Date.now() > until) throw new Error(`order ${orderId} still placed after ${deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const payment = async (orderId: string) =>
    (
      await db.query<{ state: string; captured: string; amount: string }>(
        'select state, captured, amount from payment_sandbox.payments where payment_id = $1',
        [orderId],
      )
    ).rows[0];

  const couponUse = async (code: string) => {
    const listed = await t.inject('GET', '/api/v1/coupons', { token: admin.token, query: { limit: '100' } });
    const found = listed.json<{ items: { code: string; used: number }[] }>().items.find((c) => c.code === code);
    const { rows } = await db.query<{ n: string }>('select count(*) as n from ordering.coupon_redemptions where code = $1', [code]);
    return { used: found?.used, redemptions: Number(rows[0].n) };
  };

  it('shipping, coupon and tax show as order lines; the payment authorizes and captures the grand total', async () => {
    const { sku } = await product(5);
    await coupon({ code: 'welcome10', type: 'percentage', value: 10 });
    const customer = await customerWith(sku, 2);

    const placed = await checkout(customer, { couponCode: 'Welcome10' });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId } = placed.json<{ orderId: string }>();
    const order = await settled(orderId, customer);

    // goods 2500; discount 10% = 250; shipping 630 (2 × 350 g by the weight rate);
    // VAT 19% of 2500 + 630 - 250 = 2880 → 547.2, half up → 547
    expect(order).toMatchObject({
      status: 'confirmed',
      lines: [{ sku, quantity: 2, unitPrice: eur(PRICE) }],
      charges: [
        { kind: 'shipping', label: 'Standard', amount: eur(630) },
        { kind: 'discount', label: 'Coupon WELCOME10 (10%)', amount: eur(-250) },
        { kind: 'tax', label: 'VAT 19%', amount: eur(547) },
      ],
      subtotal: eur(2500),
      total: eur(3427),
      couponCode: 'WELCOME10',
      shippingMethod: 'standard',
    });
    expect(await payment(orderId)).toEqual({ state: 'captured', captured: '3427', amount: '3427' });
    expect(await couponUse('WELCOME10')).toEqual({ used: 1, redemptions: 1 });
  });

  it('a country without a tax rate has no tax line; a fixed coupon takes its amount once its minimum is met', async () => {
    const { sku } = await product(5);
    await coupon({ code: 'FIVE-OFF', type: 'fixed', value: 500, currency: 'EUR', minOrder: eur(2500) });

    const below = await checkout(await customerWith(sku, 1), { shippingAddress: london, couponCode: 'FIVE-OFF' });
    expect(below.statusCode).toBe(422);
    expect(below.json()).toMatchObject({ code: 'ordering.coupon_min_order_not_met' });

    const customer = await customerWith(sku, 2);
    const placed = await checkout(customer, { shippingAddress: london, couponCode: 'FIVE-OFF' });
    expect(placed.statusCode, placed.body).toBe(202);
    const order = await settled(placed.json<{ orderId: string }>().orderId, customer);
    expect(order.charges).toEqual([
      { kind: 'shipping', label: 'Standard', amount: eur(630) },
      { kind: 'discount', label: 'Coupon FIVE-OFF', amount: eur(-500) },
    ]);
    expect(order.total).toEqual(eur(2500 + 630 - 500));
  });

  it('refuses a shipping method that does not exist or does not ship to the address (422), writing nothing', async () => {
    const { sku } = await product(5);
    const customer = await customerWith(sku, 1);
    const before = await db.query('select count(*) from ordering.orders');
    for (const body of [{ shippingMethod: 'teleport' }, { shippingMethod: 'express', shippingAddress: london }]) {
      const refused = await checkout(customer, body);
      expect(refused.statusCode).toBe(422);
      expect(refused.json()).toMatchObject({ code: 'ordering.shipping_method_unavailable' });
    }
    expect((await db.query('select count(*) from ordering.orders')).rows).toEqual(before.rows);
    const express = await checkout(customer, { shippingMethod: 'express' });
    expect(express.statusCode).toBe(202);
    const order = await settled(express.json<{ orderId: string }>().orderId, customer);
    expect(order.charges[0]).toEqual({ kind: 'shipping', label: 'Express', amount: eur(1500) });
  });

  it('refuses unknown, expired and other-currency coupons with their codes (422)', async () => {
    const { sku } = await product(5);
    const clock = t.clock as ManualClock;
    await coupon({ code: 'SOON-GONE', type: 'percentage', value: 5, expiresAt: new Date(clock.now().getTime() + 60_000).toISOString() });
    await coupon({ code: 'DOLLARS', type: 'fixed', value: 500, currency: 'USD' });
    const customer = await customerWith(sku, 1);
    clock.advance(61_000); // well within the access token's lifetime

    for (const [couponCode, code] of [
      ['NO-SUCH-CODE', 'ordering.coupon_invalid'],
      ['SOON-GONE', 'ordering.coupon_expired'],
      ['DOLLARS', 'ordering.coupon_currency_mismatch'],
    ]) {
      const refused = await checkout(customer, { couponCode });
      expect(refused.statusCode, couponCode).toBe(422);
      expect(refused.json()).toMatchObject({ code });
    }
    expect(await couponUse('SOON-GONE')).toEqual({ used: 0, redemptions: 0 });
  });

  it('a usage limit is never exceeded: 15 customers at once for 3 uses → exactly 3 orders have the coupon', async () => {
    const { sku } = await product(20);
    await coupon({ code: 'FIRST3', type: 'percentage', value: 20, usageLimit: 3 });
    const customers = await Promise.all(Array.from({ length: 15 }, () => customerWith(sku, 1)));

    const answers = await Promise.all(customers.map((customer) => checkout(customer, { couponCode: 'FIRST3' })));

    const accepted = answers.filter((a) => a.statusCode === 202);
    expect(accepted).toHaveLength(3);
    for (const refused of answers.filter((a) => a.statusCode !== 202)) {
      expect(refused.statusCode).toBe(422);
      expect(refused.json()).toMatchObject({ code: 'ordering.coupon_exhausted' });
    }
    expect(await couponUse('FIRST3')).toEqual({ used: 3, redemptions: 3 });
    // nothing left behind by the refused checkouts: no order, no cart claim, the cart as it was
    const ids = customers.map((c) => c.user.id);
    const { rows } = await db.query<{ n: string }>('select count(*) as n from ordering.orders where customer_id = any($1)', [ids]);
    expect(Number(rows[0].n)).toBe(3);
    const claims = await db.query<{ n: string }>('select count(*) as n from ordering.cart_checkouts where cart_id = any($1)', [ids]);
    expect(Number(claims.rows[0].n)).toBe(3);
    const loser = customers[answers.findIndex((a) => a.statusCode !== 202)];
    const cart = await t.inject('GET', '/api/v1/cart', { token: loser.token });
    expect(cart.json<{ items: { sku: string }[] }>().items).toEqual([expect.objectContaining({ sku })]);
  });

  it('a retried checkout takes one use; a cancelled order gives its use back', async () => {
    const { sku } = await product(5);
    await coupon({ code: 'ONLY-ONE', type: 'percentage', value: 50, usageLimit: 1 });
    const declined = await customerWith(sku, 1);
    const key = newId();
    const first = await checkout(declined, { couponCode: 'ONLY-ONE', paymentToken: 'tok_decline' }, key);
    const retried = await checkout(declined, { couponCode: 'ONLY-ONE', paymentToken: 'tok_decline' }, key);
    expect([first.statusCode, retried.statusCode]).toEqual([202, 202]);
    expect(retried.json()).toEqual(first.json());
    expect(await couponUse('ONLY-ONE')).toEqual({ used: 1, redemptions: 1 });

    const other = await customerWith(sku, 1);
    expect((await checkout(other, { couponCode: 'ONLY-ONE' })).json()).toMatchObject({ code: 'ordering.coupon_exhausted' });

    const cancelled = await settled(first.json<{ orderId: string }>().orderId, declined);
    expect(cancelled).toMatchObject({ status: 'cancelled', couponCode: 'ONLY-ONE' });
    expect(await couponUse('ONLY-ONE')).toEqual({ used: 0, redemptions: 0 });
    const second = await checkout(other, { couponCode: 'ONLY-ONE' });
    expect(second.statusCode, second.body).toBe(202);
    expect(await couponUse('ONLY-ONE')).toEqual({ used: 1, redemptions: 1 });
  });

  it('a price changed since the cart took it: 409 cart.price_changed until the cart is refreshed, then the new price', async () => {
    const { id, sku } = await product(5);
    const customer = await customerWith(sku, 2);
    const repriced = await t.inject('PATCH', `/api/v1/products/${id}`, { token: admin.token, body: { price: eur(1500) } });
    expect(repriced.statusCode, repriced.body).toBe(200);
    await t.drain();

    const refused = await checkout(customer, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'cart.price_changed' });
    const refreshed = await t.inject('POST', '/api/v1/cart/refresh', { token: customer.token, headers: { 'idempotency-key': newId() } });
    expect(refreshed.statusCode, refreshed.body).toBe(200);

    const placed = await checkout(customer, {});
    expect(placed.statusCode, placed.body).toBe(202);
    const order = await settled(placed.json<{ orderId: string }>().orderId, customer);
    expect(order).toMatchObject({ status: 'confirmed', subtotal: eur(3000), lines: [{ sku, unitPrice: eur(1500) }] });
  });

  it('refuses fields a customer may not set (400): total, price, discount, status', async () => {
    const { sku } = await product(5);
    const customer = await customerWith(sku, 1);
    for (const extra of [{ total: eur(1) }, { price: eur(1) }, { discount: 100 }, { status: 'confirmed' }]) {
      const refused = await checkout(customer, extra);
      expect(refused.statusCode, JSON.stringify(extra)).toBe(400);
    }
    expect((await checkout(customer, { couponCode: 'bad code!' })).statusCode).toBe(400);
    expect((await checkout(customer, { shippingMethod: undefined })).statusCode).toBe(400);
  });
});
