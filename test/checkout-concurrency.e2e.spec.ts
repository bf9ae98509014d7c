import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/platform/persistence/database';
import { PgDatabase } from '../src/platform/persistence/pg.database';
import { SystemClock } from '../src/shared-kernel/clock';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { freshDatabase, testServers } from './support/db';
import { deliveryViolations, invariantViolations, settle, until } from './support/invariants';

/**
 * R1 and R4 under concurrency, through HTTP with the consumers running in the background as in production: many
 * customers check out at once for the last units of a SKU, or for several SKUs in random order; afterwards every
 * order is terminal and the database satisfies the invariants (never oversold, money = confirmed totals).
 */

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };

type Order = {
  id: string;
  status: string;
  cancellationReason?: string;
  total: { amount: number };
  lines: { sku: string; quantity: number }[];
};
type StockLevel = { onHand: number; reserved: number; available: number };

/** A small seeded generator, so a failing shuffle can be replayed. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};

const shop = (t: TestApp) => {
  const db = t.get(Database);
  return {
    db,
    async product(admin: LoggedIn, price: number, onHand: number): Promise<string> {
      const sku = `RACE-${newId().slice(-12)}`;
      const created = await t.inject('POST', '/api/v1/products', {
        token: admin.token,
        body: { sku, name: `Item ${sku}`, category: 'race', price: { amount: price, currency: 'EUR' } },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand } })).statusCode).toBe(200);
      return sku;
    },
    async add(customer: LoggedIn, sku: string, quantity: number): Promise<void> {
      const res = await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity } });
      expect(res.statusCode, res.body).toBe(200);
    },
    async checkout(customer: LoggedIn, paymentToken = 'tok_approve'): Promise<string> {
      const res = await t.inject('POST', '/api/v1/checkout', {
        token: customer.token,
        headers: { 'idempotency-key': newId() },
        body: { paymentToken, shippingAddress: address, shippingMethod: 'standard' },
      });
      expect(res.statusCode, res.body).toBe(202);
      return res.json<{ orderId: string }>().orderId;
    },
    async order(customer: LoggedIn, orderId: string): Promise<Order> {
      const res = await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token });
      expect(res.statusCode).toBe(200);
      return res.json<Order>();
    },
    async stock(admin: LoggedIn, sku: string): Promise<StockLevel> {
      return (await t.inject('GET', `/api/v1/inventory/${sku}`, { token: admin.token })).json<StockLevel>();
    },
    /** Until every order is terminal and every message applied (bounded). */
    settle: () => settle(db),
  };
};

const boot = async (databaseUrl?: string) => {
  const t = await bootTestApp({ databaseUrl, clock: new SystemClock(), background: true });
  const admin = await t.registerAndLogin('admin');
  expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'race', name: 'Race' } })).statusCode).toBe(201);
  const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
  expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
  return { t, admin, s: shop(t) };
};

const customers = (t: TestApp, n: number) => Promise.all(Array.from({ length: n }, () => t.registerAndLogin('customer')));

describe('concurrent checkouts (e2e)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let s: ReturnType<typeof shop>;

  beforeAll(async () => {
    ({ t, admin, s } = await boot());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('30 customers race for the last 7 units: exactly 7 confirmed, 23 cancelled out_of_stock, never oversold', async () => {
    const PRICE = 1500;
    const sku = await s.product(admin, PRICE, 7);
    const racers = await customers(t, 30);
    await Promise.all(racers.map((c) => s.add(c, sku, 1)));

    const orderIds = await Promise.all(racers.map((c) => s.checkout(c)));
    expect(new Set(orderIds).size).toBe(30);
    await s.settle();

    const orders = await Promise.all(racers.map((c, i) => s.order(c, orderIds[i])));
    const confirmed = orders.filter((o) => o.status === 'confirmed');
    const cancelled = orders.filter((o) => o.status === 'cancelled');
    expect(confirmed).toHaveLength(7);
    expect(cancelled).toHaveLength(23);
    expect(new Set(cancelled.map((o) => o.cancellationReason))).toEqual(new Set(['out_of_stock']));

    expect(await s.stock(admin, sku)).toEqual({ sku, onHand: 0, reserved: 0, available: 0 });
    const { rows: level } = await s.db.query<{ available: number }>('select available from inventory.stock_levels where sku = $1', [sku]);
    expect(level[0].available).toBe(0);

    const { rows: money } = await s.db.query<{ payment_id: string; state: string; captured: string }>(
      'select payment_id, state, captured from payment_sandbox.payments where payment_id = any($1)',
      [orderIds],
    );
    expect(money.map((p) => p.payment_id).sort()).toEqual(confirmed.map((o) => o.id).sort());
    expect(money.every((p) => p.state === 'captured')).toBe(true);
    expect(money.reduce((sum, p) => sum + Number(p.captured), 0)).toBe(confirmed.reduce((sum, o) => sum + o.total.amount, 0));
    expect(confirmed.reduce((sum, o) => sum + o.total.amount, 0)).toBe(7 * PRICE);

    // the cart of every racer was emptied by its order, whatever the outcome
    for (const racer of racers) {
      expect((await t.inject('GET', '/api/v1/cart', { token: racer.token })).json<{ items: unknown[] }>().items).toEqual([]);
    }

    expect(await invariantViolations(s.db)).toEqual([]);
    expect(await deliveryViolations(s.db)).toEqual([]);
  });
});

describe('concurrent checkouts of several SKUs in random order (e2e)', () => {
  it('ends every checkout (no deadlock), holds stock all-or-nothing, never oversells, captures exactly the confirmed totals', async () => {
    const fresh = await freshDatabase();
    const admin = new PgDatabase(testServers()[0].adminUrl, { max: 1 });
    const booted = await boot(fresh.url);
    const { t, s } = booted;
    let closed = false;
    try {
      const random = seeded(20260301);
      const prices = [700, 1100, 1900, 2300];
      const skus = await Promise.all(prices.map((price) => s.product(booted.admin, price, 6)));
      const shoppers = await customers(t, 24);
      const carts = shoppers.map(() => {
        const picked = [...skus].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 3));
        return picked.map((sku) => ({ sku, quantity: 1 + Math.floor(random() * 2) }));
      });
      await Promise.all(
        shoppers.map(async (c, i) => {
          for (const line of carts[i]) await s.add(c, line.sku, line.quantity);
        }),
      );

      // every fourth shopper's card is declined: its reserved stock is released while others reserve
      const tokens = shoppers.map((_, i) => (i % 4 === 3 ? 'tok_decline' : 'tok_approve'));
      const orderIds = await Promise.all(shoppers.map((c, i) => s.checkout(c, tokens[i])));
      await s.settle();

      const orders = await Promise.all(shoppers.map((c, i) => s.order(c, orderIds[i])));
      orders.forEach((order, i) => {
        const allowed = tokens[i] === 'tok_decline' ? ['out_of_stock', 'payment_declined'] : ['out_of_stock'];
        if (order.status === 'cancelled') expect(allowed).toContain(order.cancellationReason);
        else expect(order.status).toBe('confirmed');
        if (tokens[i] === 'tok_decline') expect(order.status).toBe('cancelled');
      });
      const confirmed = orders.filter((o) => o.status === 'confirmed');
      expect(confirmed.length).toBeGreaterThan(0);
      expect(confirmed.length).toBeLessThan(orders.length);

      for (const sku of skus) {
        const held = confirmed
          .flatMap((o) => o.lines)
          .filter((l) => l.sku === sku)
          .reduce((sum, l) => sum + l.quantity, 0);
        expect(held).toBeLessThanOrEqual(6);
        expect(await s.stock(booted.admin, sku)).toEqual({ sku, onHand: 6 - held, reserved: 0, available: 6 - held });
      }
      const { rows } = await s.db.query<{ captured: string }>(
        'select coalesce(sum(captured - refunded), 0) as captured from payment_sandbox.payments',
      );
      expect(Number(rows[0].captured)).toBe(confirmed.reduce((sum, o) => sum + o.total.amount, 0));
      expect(await invariantViolations(s.db)).toEqual([]);
      expect(await deliveryViolations(s.db)).toEqual([]);

      // PostgreSQL counts every deadlock it broke; a backend reports its counts when it exits at the latest
      await t.close();
      closed = true;
      const name = new URL(fresh.url).pathname.slice(1);
      await until('the app to disconnect', async () => {
        const { rows } = await admin.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [name]);
        return Number(rows[0].n) === 0;
      });
      const { rows: stats } = await admin.query<{ deadlocks: string }>('select deadlocks from pg_stat_database where datname = $1', [name]);
      expect(Number(stats[0].deadlocks)).toBe(0);
    } finally {
      if (!closed) await t.close();
      await admin.close();
      await fresh.drop();
    }
  });
});
