import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/platform/persistence/database';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { invariantViolations } from './support/invariants';

/**
 * R2 through the real checkout: one logical request, sent many times at once and again later with the same
 * Idempotency-Key, has exactly one effect (one order, one OrderPlaced, one checkout, one charge).
 */

const address = { name: 'Grace Hopper', line1: '1 Compiler Way', city: 'Arlington', postalCode: '22201', country: 'US' };
const PRICE = 2400;

let t: TestApp;
let db: Database;
let admin: LoggedIn;
let sku: string;

beforeAll(async () => {
  t = await bootTestApp();
  db = t.get(Database);
  admin = await t.registerAndLogin('admin');
  sku = `IDEM-${newId().slice(-12)}`;
  await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'idem', name: 'Idem' } });
  const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
  expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
  const product = await t.inject('POST', '/api/v1/products', {
    token: admin.token,
    body: { sku, name: 'Teapot', category: 'idem', price: { amount: PRICE, currency: 'EUR' } },
  });
  expect(product.statusCode).toBe(201);
  expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: 100 } })).statusCode).toBe(200);
});
afterAll(async () => t?.close());

const shipping = { shippingAddress: address, shippingMethod: 'standard' };
const checkout = (customer: LoggedIn, key: string, body: object = { paymentToken: 'tok_approve', ...shipping }) =>
  t.inject('POST', '/api/v1/checkout', { token: customer.token, headers: { 'idempotency-key': key }, body });

const count = async (text: string, params: unknown[]) => Number((await db.query<{ n: string }>(text, params)).rows[0].n);

/** What the database holds for one customer's checkouts: each count must be 1 for a single logical request. */
const effects = async (customerId: string) => ({
  orders: await count('select count(*) as n from ordering.orders where customer_id = $1', [customerId]),
  orderPlaced: await count(`select count(*) as n from es.events where type = 'OrderPlaced' and data->>'customerId' = $1`, [customerId]),
  checkoutStarted: await count(`select count(*) as n from es.events where type = 'CheckoutStarted' and data->>'customerId' = $1`, [
    customerId,
  ]),
  timeouts: await count(
    `select count(*) as n from es.scheduled_messages where stream in
       (select 'ordering.checkout-' || id from ordering.orders where customer_id = $1)`,
    [customerId],
  ),
  keys: await count(`select count(*) as n from http.idempotency_keys where scope like $1`, [`${customerId} POST %checkout%`]),
});

describe('Idempotency-Key on POST /api/v1/checkout (e2e)', () => {
  it('20 concurrent requests with one key place exactly one order; each answer is that order (202) or 409 in flight', async () => {
    const customer = await t.registerAndLogin('customer');
    expect((await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 2 } })).statusCode).toBe(200);
    const key = newId();

    const responses = await Promise.all(Array.from({ length: 20 }, () => checkout(customer, key)));

    const accepted = responses.filter((r) => r.statusCode === 202);
    const inFlight = responses.filter((r) => r.statusCode === 409);
    expect(accepted.length + inFlight.length).toBe(20);
    expect(new Set(accepted.map((r) => r.json<{ orderId: string }>().orderId)).size).toBe(1);
    const { orderId } = accepted[0].json<{ orderId: string }>();
    // exactly one request ran the command; the other 202s are replays of its stored answer
    expect(accepted.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    for (const r of inFlight) {
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json()).toMatchObject({ status: 409, code: 'idempotency.request_in_flight' });
    }
    expect(await effects(customer.user.id)).toEqual({ orders: 1, orderPlaced: 1, checkoutStarted: 1, timeouts: 1, keys: 1 });

    await t.drain();
    const order = await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token });
    expect(order.json()).toMatchObject({ status: 'confirmed', total: { amount: 2 * PRICE, currency: 'EUR' } });

    // a later retry (the client never saw an answer) gets the stored 202, and nothing runs again
    const replay = await checkout(customer, key);
    expect(replay.statusCode).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual({ orderId, status: 'placed' });

    // the same key with another body is refused, not mistaken for a retry
    const reused = await checkout(customer, key, { paymentToken: 'tok_decline', ...shipping });
    expect(reused.statusCode).toBe(422);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    expect(reused.json()).toMatchObject({ status: 422, code: 'idempotency.key_reused' });

    await t.drain();
    // the checkout ended, so its timeout was cancelled
    expect(await effects(customer.user.id)).toEqual({ orders: 1, orderPlaced: 1, checkoutStarted: 1, timeouts: 0, keys: 1 });
    const { rows: charges } = await db.query<{ captured: string }>('select captured from payment_sandbox.payments where payment_id = $1', [
      orderId,
    ]);
    expect(charges).toEqual([{ captured: String(2 * PRICE) }]);
    expect(await t.inject('GET', `/api/v1/inventory/${sku}`, { token: admin.token }).then((r) => r.json().available)).toBe(98);
  });

  it("scopes keys per customer: another customer's request with the same key is their own order, never a replay", async () => {
    const [first, second] = [await t.registerAndLogin('customer'), await t.registerAndLogin('customer')];
    const key = `shared-${newId()}`;
    for (const c of [first, second])
      expect((await t.inject('POST', '/api/v1/cart/items', { token: c.token, body: { sku, quantity: 1 } })).statusCode).toBe(200);

    const [a, b] = await Promise.all([checkout(first, key), checkout(second, key)]);
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(a.json().orderId).not.toBe(b.json().orderId);
    expect((await t.inject('GET', `/api/v1/orders/${a.json().orderId}`, { token: second.token })).statusCode).toBe(404);

    // a third customer, empty cart, same key: their own answer (422), not someone else's order
    const third = await t.registerAndLogin('customer');
    const empty = await checkout(third, key);
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ code: 'ordering.empty_cart' });
    for (const c of [first, second]) expect(await effects(c.user.id)).toMatchObject({ orders: 1, orderPlaced: 1 });
    expect(await effects(third.user.id)).toMatchObject({ orders: 0, orderPlaced: 0 });
  });

  it('10 concurrent adds to the cart with one key add the quantity once', async () => {
    const customer = await t.registerAndLogin('customer');
    const key = newId();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.inject('POST', '/api/v1/cart/items', { token: customer.token, headers: { 'idempotency-key': key }, body: { sku, quantity: 3 } }),
      ),
    );
    expect(responses.every((r) => r.statusCode === 200 || r.json().code === 'idempotency.request_in_flight')).toBe(true);
    expect(responses.filter((r) => r.statusCode === 200 && r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    const cart = (await t.inject('GET', '/api/v1/cart', { token: customer.token })).json<{ items: { sku: string; quantity: number }[] }>();
    expect(cart.items).toEqual([expect.objectContaining({ sku, quantity: 3 })]);
    expect(
      await count(`select count(*) as n from es.events where stream = $1 and type = 'CartItemAdded'`, [`cart.cart-${customer.user.id}`]),
    ).toBe(1);
  });

  it('leaves the store consistent', async () => {
    await t.drain();
    expect(await invariantViolations(db)).toEqual([]);
  });
});
