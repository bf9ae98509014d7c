import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageBus } from '../src/platform/messaging/message-bus';
import { Database } from '../src/platform/persistence/database';
import { SystemClock } from '../src/shared-kernel/clock';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { until } from './support/invariants';
import { privateRabbitMq, rabbitMqInstalled, type PrivateRabbitMq } from './support/private-rabbitmq';

/**
 * The monolith with every message on a RabbitMQ node of the test's own, which is stopped for a while in the middle of
 * a run of checkouts and started again: the bus reconnects by itself, the outbox holds the messages meanwhile, and
 * every order ends as it would have without the outage. The machine's shared broker is not involved.
 */

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const PRICE = 990;
const OUTAGE_MS = 15_000;
const [BEFORE, DURING, AFTER] = [10, 10, 10];

describe.skipIf(!rabbitMqInstalled && process.env.CI !== 'true')('checkouts across a RabbitMQ restart (e2e)', () => {
  let broker: PrivateRabbitMq | undefined;
  let t: TestApp | undefined;
  let bus: MessageBus;
  let db: Database;
  const sku = `MUG-${newId().slice(-12)}`;

  beforeAll(async () => {
    broker = await privateRabbitMq();
    await broker.start();
    t = await bootTestApp({
      clock: new SystemClock(),
      background: true,
      configOverrides: { messageBus: 'rabbitmq', amqpUrl: broker.url, busNamespace: `e2e-outage-${newId().slice(-8)}` },
    });
    bus = t.get(MessageBus);
    db = t.get(Database);
    const admin = await t.registerAndLogin('admin');
    const category = await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } });
    expect(category.statusCode, category.body).toBe(201);
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
    const product = await t.inject('POST', '/api/v1/products', {
      token: admin.token,
      body: { sku, name: `Mug ${sku}`, category: 'mugs', price: { amount: PRICE, currency: 'EUR' } },
    });
    expect(product.statusCode, product.body).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: 1000 } })).statusCode).toBe(200);
  }, 120_000);
  afterAll(async () => {
    // the app closes its bus, which ends at once with the broker there
    if (broker && !broker.running()) await broker.start().catch(() => undefined);
    await t?.close();
    await broker?.dispose();
  }, 120_000);

  const checkouts = async (count: number): Promise<{ customer: LoggedIn; orderId: string }[]> => {
    const placed: { customer: LoggedIn; orderId: string }[] = [];
    for (let i = 0; i < count; i++) {
      const customer = await t!.registerAndLogin('customer');
      const added = await t!.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 1 } });
      expect(added.statusCode, added.body).toBe(200);
      const res = await t!.inject('POST', '/api/v1/checkout', {
        token: customer.token,
        headers: { 'idempotency-key': newId() },
        body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' },
      });
      expect(res.statusCode, res.body).toBe(202);
      placed.push({ customer, orderId: res.json<{ orderId: string }>().orderId });
    }
    return placed;
  };
  const statusOf = async ({ customer, orderId }: { customer: LoggedIn; orderId: string }) =>
    (await t!.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token })).json<{ status: string }>().status;

  it('confirms every order placed before, during and after a 15 s outage, each captured once', async () => {
    const placed = await checkouts(BEFORE);
    expect(bus.isConnected()).toBe(true);

    await broker!.stop();
    const stoppedAt = Date.now();
    await until('the bus to see the broker gone', () => !bus.isConnected(), 10_000);
    expect(bus.hasFailed()).toBe(false);
    const live = await t!.inject('GET', '/health/live');
    expect(live.statusCode).toBe(200);
    placed.push(...(await checkouts(DURING)));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));

    await broker!.start();
    await until('the bus to reconnect', () => bus.isConnected(), 20_000);
    placed.push(...(await checkouts(AFTER)));

    const statuses = await until(
      'every order to end',
      async () => {
        const all = await Promise.all(placed.map(statusOf));
        return all.every((status) => status !== 'placed') && all;
      },
      50_000,
      250,
    );
    expect(statuses).toEqual(Array(placed.length).fill('confirmed'));
    const orderIds = placed.map((p) => p.orderId);
    const captures = await db.query<{ stream: string; n: string }>(
      "select stream, count(*) as n from es.events where stream = any($1) and type = 'PaymentCaptured' group by stream",
      [orderIds.map((id) => `payment.payment-${id}`)],
    );
    expect(captures.rows).toHaveLength(placed.length);
    expect(captures.rows.every((row) => Number(row.n) === 1)).toBe(true);
    const ledger = await db.query<{ state: string; captured: string }>(
      'select state, captured from payment_sandbox.payments where payment_id = any($1)',
      [orderIds],
    );
    expect(ledger.rows).toHaveLength(placed.length);
    expect(ledger.rows.every((p) => p.state === 'captured' && Number(p.captured) === PRICE)).toBe(true);
  }, 180_000);
});
