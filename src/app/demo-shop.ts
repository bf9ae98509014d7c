import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { newId } from '../shared-kernel/ids';

/**
 * The rest of the demo store, on top of the demo catalog: shipping methods, tax rates, a coupon, three customers and
 * their orders — delivered ones with reviews, one shipped, one confirmed and one cancelled. Everything goes through
 * the public HTTP API (in process), so the demo shows exactly what a client can do. Every step is idempotent: a
 * restart after an interruption completes what is missing and changes nothing else.
 */

export const DEMO_CUSTOMER_PASSWORD = 'orderly-demo-customer';
export const DEMO_CUSTOMERS = [
  { email: 'ada@demo.orderly.local', name: 'Ada Lovelace' },
  { email: 'grace@demo.orderly.local', name: 'Grace Hopper' },
  { email: 'linus@demo.orderly.local', name: 'Linus Torvalds' },
] as const;
export const DEMO_COUPON = 'WELCOME10';

const ADDRESS = { name: '', line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'DE' };
const SETTLE_MS = 30_000;
const REVIEWS = [
  [5, 'Exactly as described, beautifully made and quick to arrive.'],
  [4, 'Very good quality for the price; the colour is a touch darker than the photos.'],
  [5, 'Bought it as a gift and ended up ordering a second one for myself.'],
  [3, 'Does the job. Packaging could have been smaller, but it arrived intact.'],
] as const;

type Json = Record<string, unknown>;
type Call = (
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  options?: { token?: string; body?: unknown },
) => Promise<{ status: number; body: Json }>;

const client =
  (app: NestFastifyApplication): Call =>
  async (method, url, { token, body } = {}) => {
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method === 'GET' ? {} : { 'idempotency-key': newId() }),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? (res.json() as Json) : {} };
  };

/** Accepts the statuses that mean "done" (including "it exists already"); anything else stops the seeding with why. */
const expectStatus = (what: string, res: { status: number; body: Json }, ...ok: number[]) => {
  if (!ok.includes(res.status)) throw new Error(`demo shop: ${what} answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
};

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`demo shop: timed out waiting for ${what}`);
    await sleep(100);
  }
};

export type DemoShopResult = { seeded: boolean; orders: number; reviews: number };

export const seedDemoShop = async (app: NestFastifyApplication, admin: { email: string; password: string }): Promise<DemoShopResult> => {
  const call = client(app);
  const login = async (email: string, password: string) =>
    String(expectStatus(`login ${email}`, await call('POST', '/auth/login', { body: { email, password } }), 200).accessToken);
  const adminToken = await login(admin.email, admin.password);

  const methods = [
    {
      code: 'standard',
      name: 'Standard (3-5 days)',
      countries: 'all',
      currency: 'EUR',
      rate: { type: 'flat', amount: 490 },
      freeOver: 7500,
    },
    {
      code: 'express',
      name: 'Express (next day)',
      countries: ['DE', 'AT', 'NL', 'BE', 'FR'],
      currency: 'EUR',
      rate: { type: 'weight', base: 990, perKg: 150 },
    },
  ];
  for (const method of methods)
    expectStatus(`shipping method ${method.code}`, await call('POST', '/shipping-methods', { token: adminToken, body: method }), 201, 409);
  for (const [country, rateBps] of [
    ['DE', 1900],
    ['FR', 2000],
    ['NL', 2100],
    ['GB', 2000],
  ] as const) {
    expectStatus(
      `tax rate ${country}`,
      await call('POST', '/tax-rates', { token: adminToken, body: { country, rateBps, name: 'VAT' } }),
      200,
      201,
    );
  }
  const coupon = { code: DEMO_COUPON, type: 'percentage', value: 10, usageLimit: 1000 };
  expectStatus('coupon', await call('POST', '/coupons', { token: adminToken, body: coupon }), 201, 409);

  const customers: { email: string; name: string; token: string }[] = [];
  for (const customer of DEMO_CUSTOMERS) {
    expectStatus(
      `customer ${customer.email}`,
      await call('POST', '/auth/register', { body: { ...customer, password: DEMO_CUSTOMER_PASSWORD } }),
      201,
      409,
    );
    customers.push({ ...customer, token: await login(customer.email, DEMO_CUSTOMER_PASSWORD) });
  }
  const ordersOf = async (token: string) =>
    (expectStatus('orders', await call('GET', '/orders?limit=100', { token }), 200).items as Json[]).length;
  if ((await ordersOf(customers[0].token)) > 0) return { seeded: false, orders: 0, reviews: 0 };

  const listed = expectStatus('products', await call('GET', '/products?limit=12'), 200).items as Json[];
  const products = listed.map((p) => ({ id: String(p.id), sku: String((p.variants as Json[] | undefined)?.[0]?.sku ?? p.sku) }));
  if (products.length < 4) return { seeded: false, orders: 0, reviews: 0 };

  let orders = 0;
  let reviews = 0;
  /** One order of two products; `fate` says how far it goes. */
  const order = async (
    customer: (typeof customers)[number],
    picks: typeof products,
    fate: 'delivered' | 'shipped' | 'confirmed' | 'cancelled',
    couponCode?: string,
  ) => {
    for (const product of picks)
      expectStatus(
        'add to cart',
        await call('POST', '/cart/items', { token: customer.token, body: { sku: product.sku, quantity: 1 } }),
        200,
      );
    const checkout = {
      paymentToken: 'tok_approve',
      shippingAddress: { ...ADDRESS, name: customer.name },
      shippingMethod: 'standard',
      ...(couponCode ? { couponCode } : {}),
    };
    const { orderId } = expectStatus('checkout', await call('POST', '/checkout', { token: customer.token, body: checkout }), 202) as {
      orderId: string;
    };
    orders++;
    await waitFor(`order ${orderId} confirmed`, async () => {
      const { body } = await call('GET', `/orders/${orderId}`, { token: customer.token });
      return body.status === 'confirmed' ? true : undefined;
    });
    if (fate === 'cancelled') {
      expectStatus('cancel', await call('POST', `/orders/${orderId}/cancel`, { token: customer.token }), 200);
      return;
    }
    if (fate === 'confirmed') return;
    const trackingNumber = `SBX${String(Date.now() % 1e6).padStart(6, '0')}${String(orders).padStart(3, '0')}`;
    expectStatus(
      'ship',
      await call('POST', `/orders/${orderId}/ship`, { token: adminToken, body: { carrier: 'sandbox', trackingNumber } }),
      200,
    );
    if (fate === 'shipped') return;
    expectStatus('deliver', await call('POST', `/orders/${orderId}/deliver`, { token: adminToken }), 200);
    for (const product of picks) {
      const [rating, text] = REVIEWS[reviews % REVIEWS.length];
      // the delivery reaches reviews through the outbox: until then the purchase is not verified (403)
      await waitFor(`review of ${product.id}`, async () => {
        const res = await call('POST', `/products/${product.id}/reviews`, { token: customer.token, body: { rating, text } });
        return res.status === 403 ? undefined : expectStatus('review', res, 201, 409);
      });
      reviews++;
    }
  };
  const [ada, grace, linus] = customers;
  await order(ada, products.slice(0, 2), 'delivered', DEMO_COUPON);
  await order(grace, products.slice(1, 3), 'delivered');
  await order(linus, products.slice(2, 4), 'shipped');
  await order(ada, products.slice(3, 4), 'confirmed');
  await order(grace, products.slice(0, 1), 'cancelled');
  return { seeded: true, orders, reviews };
};
