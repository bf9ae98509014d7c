import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogConsumers } from '../../platform/consumers/log-consumer';
import { SUBSCRIBER_CONSUMER_PREFIX } from '../../platform/messaging/outbox-publisher';
import { Database } from '../../platform/persistence/database';
import { newId } from '../../shared-kernel/ids';
import { openShop, PRICE, SHIPPING, type Shop } from '../../../test/support/order-shop';
import { ensureBuilt, JWT_SECRET, ROOT } from '../../../test/support/processes';

const ORDER_TOTAL = 2 * PRICE + SHIPPING;

describe('analytics summary', () => {
  let shop: Shop;
  let today: string;
  let adaEmail: string;

  beforeAll(async () => {
    shop = await openShop();
    const { t, post, admin } = shop;
    today = t.clock.now().toISOString().slice(0, 10);
    const ada = await t.registerAndLogin('customer');
    const bob = await t.registerAndLogin('customer');
    adaEmail = ada.user.email;

    await shop.deliveredOrder(ada); // confirmed, shipped, delivered
    const partlyRefunded = await shop.confirmedOrder(bob);
    expect((await post(`/api/v1/orders/${partlyRefunded.orderId}/refunds`, admin.token, { amount: 500 })).statusCode).toBe(202);
    const cancelled = await shop.confirmedOrder(ada);
    expect((await post(`/api/v1/orders/${cancelled.orderId}/cancel`, ada.token)).statusCode).toBe(200);
    const declinedSku = await shop.stockedProduct();
    await shop.placeOrder(bob, declinedSku, 1, 'tok_decline');
    // a guest who never checks out
    expect((await t.inject('POST', '/api/v1/cart/items', { body: { sku: declinedSku, quantity: 1 } })).statusCode).toBe(200);
    await t.drain();
  });
  afterAll(() => shop.t.close());

  const summary = async (query: Record<string, string> = {}) => {
    const res = await shop.t.inject('GET', '/api/v1/analytics/summary', { token: shop.admin.token, query });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('reports revenue per day, orders by status, average order value, top products and cart conversion', async () => {
    const s = await summary({ from: today, to: today });
    expect(s.revenuePerDay).toEqual([
      { day: today, currency: 'EUR', confirmedOrders: 3, revenue: 3 * ORDER_TOTAL, refunds: 500 + ORDER_TOTAL, net: 2 * ORDER_TOTAL - 500 },
    ]);
    expect(s.ordersByStatus).toEqual({ delivered: 1, confirmed: 1, refunded: 1, cancelled: 1 });
    expect(s.averageOrderValue).toEqual([{ amount: ORDER_TOTAL, currency: 'EUR' }]);
    expect(s.topProducts).toHaveLength(3);
    expect(s.topProducts[0]).toMatchObject({ name: 'Mug', quantity: 2, revenue: { amount: 2 * PRICE, currency: 'EUR' } });
    // four carts were started (three customers' orders, the declined one, and the guest's) for four orders
    expect(s.cartConversion).toEqual({ cartsStarted: 5, ordersPlaced: 4, rate: 0.8 });
  });

  it('mailed the customer once for each fact of her orders, through the real flow', async () => {
    const res = await shop.t.inject('GET', '/api/v1/dev/mailbox', { token: shop.admin.token, query: { to: adaEmail, limit: '50' } });
    const subjects = res
      .json<{ items: { subject: string }[] }>()
      .items.map((m) => m.subject.replace(/[0-9A-F]{8}/, 'REF'))
      .sort();
    // delivered order: confirmed, shipped; cancelled order: confirmed, cancelled, refunded
    expect(subjects).toEqual([
      'Order REF cancelled',
      'Order REF confirmed',
      'Order REF confirmed',
      'Order REF shipped',
      'Refund for order REF',
    ]);
  });

  it('counts each message once when the bus delivers the whole history again', async () => {
    const before = await summary({ from: today, to: today });
    const consumers = shop.t.get(LogConsumers);
    const consumer = `${SUBSCRIBER_CONSUMER_PREFIX}analytics.sales`;
    const registered = consumers.registered().map(({ name }) => name);
    expect(registered).toContain(consumer);
    expect(registered).not.toContain('analytics.sales');
    // the subscriber's log consumer forgets where it stands: it reads the log from the start and redelivers everything
    await shop.t.get(Database).query('delete from es.checkpoints where consumer = $1', [consumer]);
    await consumers.drain([consumer]);
    expect(await summary({ from: today, to: today })).toEqual(before);
  });

  it('is rebuilt by `npm run projections:rebuild` with the same numbers, but not over a broker', async () => {
    const before = await summary({ from: today, to: today });
    ensureBuilt();
    const cli = join(ROOT, 'dist', 'app', 'projections-rebuild.main.js');
    const env = { ...process.env, DATABASE_URL: shop.t.config.databaseUrl, JWT_SECRET, LOG_LEVEL: 'error' };
    const run = (args: string[], extraEnv: Record<string, string> = {}) =>
      promisify(execFile)(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, timeout: 60_000 });
    const listed = await run(['--list']);
    expect(listed.stdout).toContain('analytics.sales');
    expect(listed.stdout).toContain('payment.ledger');
    // damage the read models: only a reset and a replay of the whole history gives the numbers back
    const db = shop.t.get(Database);
    await db.query('update analytics.daily_sales set revenue = 0, refunds = 0');
    await db.query('truncate analytics.daily_carts');
    expect(await summary({ from: today, to: today })).not.toEqual(before);
    const rebuilt = await run(['analytics.sales', 'payment.ledger']);
    expect(rebuilt.stdout).toMatch(/analytics\.sales: rebuilt in/);
    expect(rebuilt.stdout).toMatch(/payment\.ledger: rebuilt in/);
    expect(await summary({ from: today, to: today })).toEqual(before);
    const unknown = await run(['no.such-projection']).catch((e: { code: number; stderr: string }) => e);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown projection') });
    // the tool never connects to the broker: it only learns that the subscriber is fed by one
    const overBroker = await run(['analytics.sales'], { MESSAGE_BUS: 'rabbitmq', AMQP_URL: 'amqp://127.0.0.1:1' }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(overBroker).toMatchObject({ code: 1, stderr: expect.stringContaining('analytics.sales: not rebuilt: over a message broker') });
    expect(await summary({ from: today, to: today })).toEqual(before);
  });

  it('is for admins, over a bounded range', async () => {
    const { t, staff } = shop;
    const customer = await t.registerAndLogin('customer');
    expect((await t.inject('GET', '/api/v1/analytics/summary', { token: customer.token })).statusCode).toBe(403);
    expect((await t.inject('GET', '/api/v1/analytics/summary', { token: staff.token })).statusCode).toBe(403);
    const bad: Record<string, string>[] = [
      { from: '2026-02-01', to: '2026-01-01' },
      { from: '2020-01-01', to: '2026-01-01' },
      { from: 'yesterday' },
      { extra: newId() },
    ];
    for (const query of bad) {
      const res = await t.inject('GET', '/api/v1/analytics/summary', { token: shop.admin.token, query });
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await summary()).to).toBe(today);
  });
});
