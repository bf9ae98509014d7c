import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { Database } from '../../platform/persistence/database';
import type { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'gb' };
const PRICE = 1250;
const shipping = { shippingAddress: address, shippingMethod: 'standard' };

const until = async (what: string, check: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> => {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** The journey through HTTP: catalog + stock (admin), cart and checkout (customer), then the checkout process. */
describe('checkout (e2e)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let db: Database;

  beforeAll(async () => {
    t = await bootTestApp({ configOverrides: { paymentProviderTimeoutMs: 200 } });
    admin = await t.registerAndLogin('admin');
    db = t.get(Database);
    const category = await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } });
    expect(category.statusCode).toBe(201);
    // free shipping: the totals below are the goods alone (checkout-pricing.e2e.spec.ts prices shipping, tax, coupons)
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  const stockedProduct = async (onHand: number): Promise<string> => {
    const sku = `MUG-${newId().slice(-12)}`;
    const product = await t.inject('POST', '/api/v1/products', {
      token: admin.token,
      body: { sku, name: 'Mug', category: 'mugs', price: { amount: PRICE, currency: 'EUR' } },
    });
    expect(product.statusCode).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand } })).statusCode).toBe(200);
    await t.drain();
    return sku;
  };

  const checkout = async (customer: LoggedIn, sku: string, quantity: number, paymentToken: string, key = newId()) => {
    const added = await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity } });
    expect(added.statusCode).toBe(200);
    const res = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': key },
      body: { paymentToken, ...shipping },
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ orderId: string }>().orderId;
  };

  /** Drains the app until the order leaves `placed`, with a deadline. */
  const settled = async (orderId: string, customer: LoggedIn, deadlineMs = 20_000) => {
    const until = Date.now() + deadlineMs;
    for (;;) {
      await t.drain();
      const res = await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token });
      expect(res.statusCode).toBe(200);
      const order = res.json<{ status: string; cancellationReason?: string; total: { amount: number } }>();
      if (order.status !== 'placed') return order;
      if (Date.now() > until) throw new Error(`order ${orderId} still placed after ${deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stock = async (sku: string) =>
    (await t.inject('GET', `/api/v1/inventory/${sku}`, { token: admin.token })).json<{
      onHand: number;
      reserved: number;
      available: number;
    }>();
  const ledger = async (orderId: string) =>
    (
      await db.query<{ state: string; captured: string; amount: string | null }>(
        'select state, captured, amount from payment_sandbox.payments where payment_id = $1',
        [orderId],
      )
    ).rows[0];

  it('tok_approve: the order is confirmed, its stock committed and the money captured', async () => {
    const customer = await t.registerAndLogin('customer');
    const sku = await stockedProduct(5);
    const orderId = await checkout(customer, sku, 2, 'tok_approve');

    const order = await settled(orderId, customer);
    expect(order).toMatchObject({ status: 'confirmed', total: { amount: 2 * PRICE, currency: 'EUR' } });
    expect(order.cancellationReason).toBeUndefined();
    expect(await stock(sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect(await ledger(orderId)).toEqual({ state: 'captured', captured: String(2 * PRICE), amount: String(2 * PRICE) });
    const cart = await t.inject('GET', '/api/v1/cart', { token: customer.token });
    expect(cart.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it.each([
    ['tok_decline', 'payment_declined', 'declined'],
    // the provider errored: whatever it may hold is voided (it remembers the void), nothing is captured
    ['tok_error', 'payment_failed', 'voided'],
    ['tok_slow', 'payment_failed', 'voided'],
  ])('%s: the order is cancelled (%s), the stock restored and nothing captured', async (token, reason, providerState) => {
    const customer = await t.registerAndLogin('customer');
    const sku = await stockedProduct(3);
    const orderId = await checkout(customer, sku, 3, token);

    expect(await settled(orderId, customer)).toMatchObject({ status: 'cancelled', cancellationReason: reason });
    await t.drain(); // the compensation commands
    expect(await stock(sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    // tok_slow: the provider's late answer lands after the timeout, and is voided there at once
    if (token === 'tok_slow')
      await until('the late authorization at the provider', async () => ((await ledger(orderId))?.amount ?? null) !== null);
    const held = await ledger(orderId);
    expect(held?.state).toBe(providerState);
    expect(Number(held?.captured ?? 0)).toBe(0);
  });

  it('out of stock: the order is cancelled and nothing is charged', async () => {
    const customer = await t.registerAndLogin('customer');
    const sku = await stockedProduct(1);
    const other = await t.registerAndLogin('customer');
    const first = await checkout(other, sku, 1, 'tok_approve');
    const second = await checkout(customer, sku, 1, 'tok_approve');

    // Two checkouts processed together race for the last unit: exactly one wins, whichever it is.
    const outcomes = [
      { orderId: first, order: await settled(first, other) },
      { orderId: second, order: await settled(second, customer) },
    ];
    const winners = outcomes.filter((o) => o.order.status === 'confirmed');
    const losers = outcomes.filter((o) => o.order.status === 'cancelled');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0].order).toMatchObject({ cancellationReason: 'out_of_stock' });
    expect(await ledger(losers[0].orderId)).toBeUndefined();
    expect(await stock(sku)).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
  });

  it('the same cart contents are ordered once, even with a new Idempotency-Key (another tab, a client retry)', async () => {
    const customer = await t.registerAndLogin('customer');
    const sku = await stockedProduct(5);
    const orderId = await checkout(customer, sku, 1, 'tok_approve');
    const again = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { paymentToken: 'tok_approve', ...shipping },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ordering.cart_already_ordered', details: { orderId } });
    expect((await settled(orderId, customer)).status).toBe('confirmed');
    const orders = await t.inject('GET', '/api/v1/orders', { token: customer.token });
    expect(orders.json().items).toHaveLength(1);
    expect(await stock(sku)).toMatchObject({ onHand: 4, reserved: 0 });
  });

  it("a line added while the last order is leaving the cart is ordered on its own, never with that order's lines", async () => {
    const customer = await t.registerAndLogin('customer');
    const [a, b] = [await stockedProduct(5), await stockedProduct(5)];
    const first = await checkout(customer, a, 1, 'tok_approve');
    // before the cart took A out (nothing drained): B joins, and a second checkout would order A again
    expect((await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku: b, quantity: 1 } })).statusCode).toBe(200);
    const refused = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { paymentToken: 'tok_approve', ...shipping },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'ordering.cart_already_ordered', details: { orderId: first } });
    await settled(first, customer);
    const cart = await t.inject('GET', '/api/v1/cart', { token: customer.token });
    expect(cart.json<{ items: { sku: string; quantity: number }[] }>().items.map(({ sku, quantity }) => ({ sku, quantity }))).toEqual([
      { sku: b, quantity: 1 },
    ]);
    const second = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { paymentToken: 'tok_approve', ...shipping },
    });
    expect(second.statusCode, second.body).toBe(202);
    const secondId = second.json<{ orderId: string }>().orderId;
    expect((await settled(secondId, customer)).total.amount).toBe(PRICE);
    expect(await stock(a)).toMatchObject({ onHand: 4, reserved: 0 });
    expect(await stock(b)).toMatchObject({ onHand: 4, reserved: 0 });
  });

  it('a repeated checkout with the same Idempotency-Key is the same order', async () => {
    const customer = await t.registerAndLogin('customer');
    const sku = await stockedProduct(5);
    const key = newId();
    const orderId = await checkout(customer, sku, 1, 'tok_approve', key);
    const again = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': key },
      body: { paymentToken: 'tok_approve', ...shipping },
    });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ orderId, status: 'placed' });
    expect((await settled(orderId, customer)).status).toBe('confirmed');
    expect(await stock(sku)).toMatchObject({ onHand: 4, reserved: 0 });
  });

  it('refuses an empty cart, a missing Idempotency-Key and an unknown country', async () => {
    const customer = await t.registerAndLogin('customer');
    const body = { paymentToken: 'tok_approve', ...shipping };
    const empty = await t.inject('POST', '/api/v1/checkout', { token: customer.token, headers: { 'idempotency-key': newId() }, body });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ code: 'ordering.empty_cart' });
    expect((await t.inject('POST', '/api/v1/checkout', { token: customer.token, body })).statusCode).toBe(400);
    const badCountry = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { ...body, shippingAddress: { ...address, country: 'XX' } },
    });
    expect(badCountry.statusCode).toBe(400);
    const extra = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { ...body, total: 1 },
    });
    expect(extra.statusCode).toBe(400);
  });

  it("only the owner (or an admin) reads an order; others get 404; the list holds the caller's own, paginated", async () => {
    const owner = await t.registerAndLogin('customer');
    const stranger = await t.registerAndLogin('customer');
    const sku = await stockedProduct(10);
    const first = await checkout(owner, sku, 1, 'tok_approve');
    await settled(first, owner); // its line has left the cart: the next checkout orders only what is added now
    (t.clock as ManualClock).advance(1000); // the newer order comes first
    const orderIds = [first, await checkout(owner, sku, 1, 'tok_decline')];
    await settled(orderIds[1], owner);

    const foreign = await t.inject('GET', `/api/v1/orders/${orderIds[0]}`, { token: stranger.token });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ code: 'ordering.order_not_found' });
    expect((await t.inject('GET', `/api/v1/orders/${orderIds[0]}`, { token: admin.token })).statusCode).toBe(200);
    expect((await t.inject('GET', '/api/v1/orders/not-a-uuid', { token: owner.token })).statusCode).toBe(404);

    const page1 = (await t.inject('GET', '/api/v1/orders', { token: owner.token, query: { limit: '1' } })).json<{
      items: { id: string }[];
      nextCursor: string | null;
    }>();
    expect(page1.items.map((o) => o.id)).toEqual([orderIds[1]]);
    const page2 = (await t.inject('GET', '/api/v1/orders', { token: owner.token, query: { limit: '1', cursor: page1.nextCursor! } })).json<{
      items: { id: string }[];
      nextCursor: string | null;
    }>();
    expect(page2).toEqual({ items: [expect.objectContaining({ id: orderIds[0] })], nextCursor: null });
    expect((await t.inject('GET', '/api/v1/orders', { token: stranger.token })).json()).toEqual({ items: [], nextCursor: null });
  });
});
