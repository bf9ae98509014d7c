import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/platform/persistence/database';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { deliveryViolations, invariantViolations } from './support/invariants';

/**
 * R7, first half: a cart line is ordered (and charged) at most once, whatever the interleaving of cart changes,
 * checkouts, sessions, tabs and Idempotency-Keys. Each run is a random program of waves of concurrent requests by one
 * customer through two sessions (and guest carts merged at login), while staff change prices (checkouts then answer
 * `cart.price_changed` until the cart is refreshed); deliveries of messages (the cart taking ordered lines out) happen
 * only where the program says, so checkouts race with lines that have not left the cart yet.
 * Afterwards, per SKU: what the customer's orders hold plus what is still in the cart never exceeds what was put in.
 */

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const SKUS = ['A', 'B', 'C'] as const;
type SkuName = (typeof SKUS)[number];

type Op =
  | { kind: 'add'; session: number; sku: SkuName; quantity: number }
  | { kind: 'set'; session: number; sku: SkuName; quantity: number }
  | { kind: 'remove'; session: number; sku: SkuName }
  | { kind: 'checkout'; session: number; key: number; paymentToken: 'tok_approve' | 'tok_decline' }
  | { kind: 'guest-merge'; sku: SkuName; quantity: number }
  | { kind: 'reprice'; sku: SkuName; cents: number }
  | { kind: 'refresh'; session: number }
  | { kind: 'deliver' };

const session = fc.integer({ min: 0, max: 1 });
const sku = fc.constantFrom(...SKUS);
const quantity = fc.integer({ min: 1, max: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), session, sku, quantity }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), session, sku, quantity: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), session, sku }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('checkout' as const),
      session,
      // a small key space: the same key is sometimes sent again (a retry, another tab with the same form)
      key: fc.integer({ min: 0, max: 5 }),
      paymentToken: fc.constantFrom('tok_approve' as const, 'tok_approve' as const, 'tok_decline' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('guest-merge' as const), sku, quantity }) },
  // staff change a price: checkouts then answer cart.price_changed until the customer refreshes the cart
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reprice' as const), sku, cents: fc.integer({ min: 900, max: 1100 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refresh' as const), session }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'deliver' as const }) },
);
/** Waves of 1–3 requests sent together. */
const program = fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 3, maxLength: 9 });

type CartEventRow = { type: string; data: { sku?: string; quantity?: number; lines?: { sku: string; quantity: number }[] } };

/**
 * Per SKU, the units the customer put into the cart: added, raised quantities, lines merged from guest carts. Replays
 * the cart's own stream, so the check does not trust the projection it is checking.
 */
const unitsPutIn = (events: CartEventRow[]): Map<string, number> => {
  const inCart = new Map<string, number>();
  const putIn = new Map<string, number>();
  const put = (s: string, q: number) => putIn.set(s, (putIn.get(s) ?? 0) + q);
  for (const { type, data } of events) {
    if (type === 'CartItemAdded') {
      put(data.sku!, data.quantity!);
      inCart.set(data.sku!, (inCart.get(data.sku!) ?? 0) + data.quantity!);
    } else if (type === 'CartItemQuantityChanged') {
      put(data.sku!, Math.max(0, data.quantity! - (inCart.get(data.sku!) ?? 0)));
      inCart.set(data.sku!, data.quantity!);
    } else if (type === 'CartItemRemoved' || type === 'UnavailableCartItemDropped') {
      inCart.delete(data.sku!);
    } else if (type === 'GuestCartMerged') {
      for (const line of data.lines ?? []) {
        put(line.sku, line.quantity);
        inCart.set(line.sku, (inCart.get(line.sku) ?? 0) + line.quantity);
      }
    } else if (type === 'CartCheckedOut') {
      for (const line of data.lines ?? []) inCart.set(line.sku, Math.max(0, (inCart.get(line.sku) ?? 0) - line.quantity));
    }
  }
  return putIn;
};

describe('a cart line is ordered at most once (R7, e2e, property-based)', () => {
  let t: TestApp;
  let db: Database;
  let admin: LoggedIn;
  const skuOf = new Map<SkuName, string>();
  const productOf = new Map<SkuName, string>();

  beforeAll(async () => {
    t = await bootTestApp();
    db = t.get(Database);
    admin = await t.registerAndLogin('admin');
    expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'race', name: 'Race' } })).statusCode).toBe(
      201,
    );
    const flat = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 300 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: flat })).statusCode).toBe(201);
    for (const [i, name] of SKUS.entries()) {
      const id = `LINE-${name}-${newId().slice(-8)}`;
      const body = { sku: id, name: `Item ${name}`, category: 'race', price: { amount: 1000 + 99 * i, currency: 'EUR' } };
      const created = await t.inject('POST', '/api/v1/products', { token: admin.token, body });
      expect(created.statusCode).toBe(201);
      expect((await t.inject('PUT', `/api/v1/inventory/${id}`, { token: admin.token, body: { onHand: 100_000 } })).statusCode).toBe(200);
      skuOf.set(name, id);
      productOf.set(name, created.json<{ id: string }>().id);
    }
    await t.drain();
  });

  afterAll(() => t?.close());

  it('orders plus what is left in the cart never exceed what was put in; every checkout ends and reconciles', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (waves) => {
        const customer = await t.registerAndLogin('customer');
        const sessions = [customer.token, (await t.login(customer.user.email, customer.password)).accessToken];
        const keys = Array.from({ length: 6 }, () => newId());
        const statuses: number[] = [];

        const run = async (o: Op): Promise<void> => {
          const as = (s: number) => ({ token: sessions[s] });
          switch (o.kind) {
            case 'add': {
              const body = { sku: skuOf.get(o.sku), quantity: o.quantity };
              statuses.push((await t.inject('POST', '/api/v1/cart/items', { ...as(o.session), body })).statusCode);
              return;
            }
            case 'set': {
              const body = { quantity: o.quantity };
              statuses.push((await t.inject('PUT', `/api/v1/cart/items/${skuOf.get(o.sku)}`, { ...as(o.session), body })).statusCode);
              return;
            }
            case 'remove':
              statuses.push((await t.inject('DELETE', `/api/v1/cart/items/${skuOf.get(o.sku)}`, as(o.session))).statusCode);
              return;
            case 'checkout': {
              const res = await t.inject('POST', '/api/v1/checkout', {
                ...as(o.session),
                headers: { 'idempotency-key': keys[o.key] },
                body: { paymentToken: o.paymentToken, shippingAddress: address, shippingMethod: 'standard' },
              });
              statuses.push(res.statusCode);
              return;
            }
            case 'guest-merge': {
              const body = { sku: skuOf.get(o.sku), quantity: o.quantity };
              const guest = await t.inject('POST', '/api/v1/cart/items', { body });
              expect(guest.statusCode, guest.body).toBe(200);
              const login = await t.inject('POST', '/api/v1/auth/login', {
                body: { email: customer.user.email, password: customer.password },
                headers: { 'x-cart-token': String(guest.headers['x-cart-token']) },
              });
              expect(login.statusCode, login.body).toBe(200);
              sessions.push(login.json<{ accessToken: string }>().accessToken);
              return;
            }
            case 'reprice': {
              const body = { price: { amount: o.cents, currency: 'EUR' } };
              const res = await t.inject('PATCH', `/api/v1/products/${productOf.get(o.sku)}`, { token: admin.token, body });
              expect(res.statusCode, res.body).toBe(200);
              return;
            }
            case 'refresh':
              statuses.push((await t.inject('POST', '/api/v1/cart/refresh', as(o.session))).statusCode);
              return;
            case 'deliver':
              await t.drain();
              return;
          }
        };

        for (const wave of waves) await Promise.all(wave.map(run));
        await t.drain();

        expect(statuses.filter((s) => s >= 500)).toEqual([]);
        const { rows: orders } = await db.query<{ id: string; status: string; lines: { sku: string; quantity: number }[] }>(
          `select id::text as id, status, lines from ordering.orders where customer_id = $1`,
          [customer.user.id],
        );
        expect(orders.filter((o) => o.status === 'placed')).toEqual([]);
        const { rows: cartEvents } = await db.query<CartEventRow>(`select type, data from es.events where stream = $1 order by version`, [
          `cart.cart-${customer.user.id}`,
        ]);
        const { rows: carts } = await db.query<{ state: { lines: { sku: string; quantity: number }[] } }>(
          'select state from cart.carts where cart_id = $1',
          [customer.user.id],
        );
        const putIn = unitsPutIn(cartEvents);
        const held = new Map<string, number>();
        const hold = (s: string, q: number) => held.set(s, (held.get(s) ?? 0) + q);
        for (const order of orders) for (const line of order.lines) hold(line.sku, line.quantity);
        for (const line of carts[0]?.state.lines ?? []) hold(line.sku, line.quantity);
        for (const [s, q] of held) expect(q, `${s}: ordered + still in the cart vs. put in`).toBeLessThanOrEqual(putIn.get(s) ?? 0);
        // every order's lines left the cart exactly once
        const checkedOut = cartEvents.filter((e) => e.type === 'CartCheckedOut');
        expect(checkedOut).toHaveLength(orders.length);
      }),
      { numRuns: 16, endOnFailure: true },
    );
    expect(await invariantViolations(db)).toEqual([]);
    expect(await deliveryViolations(db)).toEqual([]);
  }, 600_000);
});
