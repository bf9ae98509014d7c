import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { newId } from '../../shared-kernel/ids';

const shipping = {
  shippingAddress: { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'gb' },
  shippingMethod: 'standard',
};

/** `Prefer: wait=N` (RFC 7240): the checkout and the order answer once the checkout has ended, so clients need not poll. */
describe('checkout with Prefer: wait (e2e)', () => {
  let t: TestApp;
  let admin: LoggedIn;

  beforeAll(async () => {
    // consumers run in the background, as in production: the answer waits for them, nobody drains
    t = await bootTestApp({ background: true });
    admin = await t.registerAndLogin('admin');
    await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'cups', name: 'Cups' } });
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  const cartWith = async (onHand: number): Promise<LoggedIn> => {
    const sku = `CUP-${newId().slice(-12)}`;
    const body = { sku, name: 'Cup', category: 'cups', price: { amount: 900, currency: 'EUR' } };
    expect((await t.inject('POST', '/api/v1/products', { token: admin.token, body })).statusCode).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand } })).statusCode).toBe(200);
    const customer = await t.registerAndLogin('customer');
    // the catalog learns of the stock through its subscriber: add to the cart once it shows the cup available
    for (let attempt = 0; ; attempt++) {
      const added = await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 1 } });
      if (added.statusCode === 200) return customer;
      if (attempt > 100) throw new Error(`cannot add ${sku}: ${added.body}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const checkout = (customer: LoggedIn, paymentToken: string, prefer?: string) =>
    t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId(), ...(prefer ? { prefer } : {}) },
      body: { paymentToken, ...shipping },
    });

  it('answers the checkout once the order is confirmed, and says the wait was applied', async () => {
    const customer = await cartWith(5);
    const res = await checkout(customer, 'tok_approve', 'wait=20');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=20');
    expect(res.json()).toMatchObject({ status: 'confirmed' });
  });

  it('answers once the order is cancelled, with the reason', async () => {
    const customer = await cartWith(5);
    const res = await checkout(customer, 'tok_decline', 'respond-async, wait=20');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'cancelled', cancellationReason: 'payment_declined' });
  });

  it('without a wait preference answers at once, with the order placed', async () => {
    const customer = await cartWith(5);
    const res = await checkout(customer, 'tok_approve', 'wait=soon');
    expect(res.statusCode).toBe(202);
    expect(res.headers['preference-applied']).toBeUndefined();
    const { orderId, status } = res.json<{ orderId: string; status: string }>();
    expect(status).toBe('placed');
    // the order itself waits for the end of its checkout
    const order = await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token, headers: { prefer: 'wait=20' } });
    expect(order.statusCode).toBe(200);
    expect(order.headers['preference-applied']).toBe('wait=20');
    expect(order.json()).toMatchObject({ id: orderId, status: 'confirmed' });
  });

  it('answers with the state so far when the wait runs out first', async () => {
    const customer = await cartWith(5);
    // the slow provider answers after its timeout: the checkout takes longer than one second
    const res = await checkout(customer, 'tok_slow', 'wait=1');
    expect(res.statusCode).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=1');
    expect(res.json()).toMatchObject({ status: 'placed' });
  });

  it("waits for nobody else's order: another customer's order is not found at once", async () => {
    const customer = await cartWith(5);
    const { orderId } = (await checkout(customer, 'tok_approve')).json<{ orderId: string }>();
    const stranger = await t.registerAndLogin('customer');
    const res = await t.inject('GET', `/api/v1/orders/${orderId}`, { token: stranger.token, headers: { prefer: 'wait=20' } });
    expect(res.statusCode).toBe(404);
  });
});
