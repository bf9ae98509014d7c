import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connect as amqpConnect, type Channel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busNames } from '../src/app/platform.module';
import { MessageBus } from '../src/platform/messaging/message-bus';
import { NatsMessageBus } from '../src/platform/messaging/nats.message-bus';
import { OutboxPublisher } from '../src/platform/messaging/outbox-publisher';
import { RabbitMqMessageBus } from '../src/platform/messaging/rabbitmq.message-bus';
import { Database } from '../src/platform/persistence/database';
import { SystemClock } from '../src/shared-kernel/clock';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { available, BACKEND_URLS, type Backend } from './support/backends';
import { deliveryViolations, invariantViolations, settle, until } from './support/invariants';

/**
 * The whole checkout through the app with a broker carrying every message (outbox publisher → RabbitMQ / NATS →
 * the subscribers of ordering, inventory, payment, cart and catalog), consumers running in the background as in
 * production. Each run has its own bus namespace, so it neither sees nor disturbs another app on the same broker.
 */

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const PRICE = 1250;

type Broker = {
  backend: Extract<Backend, 'rabbitmq' | 'nats'>;
  adapter: { prototype: MessageBus };
  /** The queues / durable consumers the app created, and the prefix every one must carry. */
  created(namespace: string, bus: MessageBus): Promise<{ names: string[]; prefix: string }>;
  /** What the run left on the broker's dead-letter queues / stream (0 when every message was handled). */
  parked(namespace: string, bus: MessageBus): Promise<number>;
  /** Deletes every queue and exchange / stream (with its consumers) the namespace created. */
  cleanup(namespace: string, bus: MessageBus | undefined): Promise<void>;
};

/** Runs `work` on a connection of its own, closed afterwards. */
const withAmqp = async <T>(work: (channel: Channel) => Promise<T>) => {
  const connection = await amqpConnect(BACKEND_URLS.rabbitmq);
  return work(await connection.createChannel()).finally(() => connection.close());
};
const withJsm = async <T>(work: (jsm: JetStreamManager) => Promise<T>) => {
  const nc = await natsConnect({ servers: BACKEND_URLS.nats });
  return work(await jetstreamManager(nc)).finally(() => nc.close());
};
const natsStreams = (namespace: string) => [busNames(namespace).nats.stream, `${busNames(namespace).nats.stream}_DLQ`];
const queuesOf = (bus: MessageBus | undefined) => (bus instanceof RabbitMqMessageBus ? bus.queues : []);

const BROKERS: Broker[] = [
  {
    backend: 'rabbitmq',
    adapter: RabbitMqMessageBus,
    created: async (namespace, bus) => ({ names: queuesOf(bus), prefix: `${namespace}.` }),
    parked: (_, bus) =>
      withAmqp(async (channel) => {
        let parked = 0;
        for (const queue of queuesOf(bus).filter((q) => q.endsWith('.dlq'))) parked += (await channel.checkQueue(queue)).messageCount;
        return parked;
      }),
    cleanup: (namespace, bus) =>
      withAmqp(async (channel) => {
        for (const queue of queuesOf(bus)) await channel.deleteQueue(queue);
        await channel.deleteExchange(busNames(namespace).rabbitmq.exchange);
      }),
  },
  {
    backend: 'nats',
    adapter: NatsMessageBus,
    created: (namespace) =>
      withJsm(async (jsm) => {
        const names: string[] = [];
        for await (const consumer of jsm.consumers.list(busNames(namespace).nats.stream)) names.push(consumer.name);
        return { names, prefix: `${namespace}_` };
      }),
    parked: (namespace) => withJsm(async (jsm) => (await jsm.streams.info(natsStreams(namespace)[1])).state.messages),
    cleanup: (namespace) =>
      withJsm(async (jsm) => {
        for (const stream of natsStreams(namespace))
          await jsm.streams.delete(stream).catch((error: unknown) => {
            if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
          });
      }),
  },
];

/** With CI=true a missing server fails the run (global setup) instead of skipping its suite. */
const runs = (backend: Backend) => available(backend) || process.env.CI === 'true';

describe.each(BROKERS)('checkout over $backend (e2e)', (broker) => {
  if (!runs(broker.backend)) {
    it.skipIf(true)(`needs ${broker.backend} (server not reachable)`, () => undefined);
    return;
  }
  const namespace = `e2e-${broker.backend}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let t: TestApp | undefined;
  let bus: MessageBus | undefined;
  let admin: LoggedIn;
  let db: Database;
  const skus: string[] = [];

  beforeAll(async () => {
    const urls = broker.backend === 'rabbitmq' ? { amqpUrl: BACKEND_URLS.rabbitmq } : { natsUrl: BACKEND_URLS.nats };
    t = await bootTestApp({
      clock: new SystemClock(),
      background: true,
      configOverrides: { messageBus: broker.backend, ...urls, busNamespace: namespace },
    });
    bus = t.get(MessageBus);
    db = t.get(Database);
    admin = await t.registerAndLogin('admin');
    const category = await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } });
    expect(category.statusCode, category.body).toBe(201);
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
    for (const onHand of [10, 4]) {
      const sku = `MUG-${newId().slice(-12)}`;
      const product = await t.inject('POST', '/api/v1/products', {
        token: admin.token,
        body: { sku, name: `Mug ${sku}`, category: 'mugs', price: { amount: PRICE, currency: 'EUR' } },
      });
      expect(product.statusCode, product.body).toBe(201);
      expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand } })).statusCode).toBe(200);
      skus.push(sku);
    }
  });
  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await broker.cleanup(namespace, bus);
    }
  });

  const checkout = async (customer: LoggedIn, sku: string, quantity: number, paymentToken: string): Promise<string> => {
    const added = await t!.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity } });
    expect(added.statusCode, added.body).toBe(200);
    const res = await t!.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { paymentToken, shippingAddress: address, shippingMethod: 'standard' },
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ orderId: string }>().orderId;
  };
  type Order = { status: string; cancellationReason?: string; total: { amount: number } };
  const order = async (customer: LoggedIn, orderId: string) =>
    (await t!.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token })).json<Order>();
  const terminal = (customer: LoggedIn, orderId: string) =>
    until(`order ${orderId} to end`, async () => {
      const o = await order(customer, orderId);
      return o.status !== 'placed' && o;
    });
  const stock = async (sku: string) =>
    (await t!.inject('GET', `/api/v1/inventory/${sku}`, { token: admin.token })).json<{ onHand: number; reserved: number }>();
  const LEDGER = 'select payment_id, state, captured from payment_sandbox.payments where payment_id = any($1)';
  const ledger = async (orderIds: string[]) =>
    (await db.query<{ payment_id: string; state: string; captured: string }>(LEDGER, [orderIds])).rows;
  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

  /** Every flow ended and every message was applied once; no dead letter in PostgreSQL nor on the broker. */
  const quiet = async () => {
    await settle(db, 20_000);
    expect(await invariantViolations(db)).toEqual([]);
    expect(await deliveryViolations(db)).toEqual([]);
    expect(await count('select count(*) as n from es.dead_letters')).toBe(0);
    expect(await broker.parked(namespace, bus!)).toBe(0);
    expect(t!.get(OutboxPublisher).publishedCount).toBeGreaterThan(0); // the messages went through the broker
  };

  it('keeps to its own namespace on the broker', async () => {
    expect(bus).toBeInstanceOf(broker.adapter);
    const { names, prefix } = await broker.created(namespace, bus!);
    expect(names.length).toBeGreaterThanOrEqual(5); // one per subscriber at least
    expect(names.filter((name) => !name.startsWith(prefix))).toEqual([]);
  });

  it('tok_approve: the order is confirmed, its stock committed and the money captured once', async () => {
    const customer = await t!.registerAndLogin('customer');
    const orderId = await checkout(customer, skus[0], 2, 'tok_approve');
    expect(await terminal(customer, orderId)).toMatchObject({ status: 'confirmed', total: { amount: 2 * PRICE } });
    await quiet();
    expect(await stock(skus[0])).toMatchObject({ onHand: 8, reserved: 0 });
    expect(await ledger([orderId])).toEqual([{ payment_id: orderId, state: 'captured', captured: String(2 * PRICE) }]);
    const captures = "select count(*) as n from es.events where stream = $1 and type = 'PaymentCaptured'";
    expect(await count(captures, [`payment.payment-${orderId}`])).toBe(1);
    // the cart and catalog subscribers got their messages too
    expect((await t!.inject('GET', '/api/v1/cart', { token: customer.token })).json<{ items: unknown[] }>().items).toEqual([]);
    const availability = 'select available as n from catalog.product_availability where sku = $1';
    expect(await count(availability, [skus[0]])).toBe(8);
  });

  it('tok_decline: the order is cancelled payment_declined and its stock released', async () => {
    const customer = await t!.registerAndLogin('customer');
    const orderId = await checkout(customer, skus[0], 3, 'tok_decline');
    expect(await terminal(customer, orderId)).toMatchObject({ status: 'cancelled', cancellationReason: 'payment_declined' });
    await quiet();
    expect(await stock(skus[0])).toMatchObject({ onHand: 8, reserved: 0 });
    const released = 'select count(*) as n from inventory.stock_reservations where order_id = $1 and released';
    expect(await count(released, [orderId])).toBe(1);
    expect(await ledger([orderId])).toEqual([{ payment_id: orderId, state: 'declined', captured: '0' }]);
  });

  it('10 customers race for 4 units: exactly 4 confirmed, 6 cancelled out_of_stock, 4 captured', async () => {
    const racers = await Promise.all(Array.from({ length: 10 }, () => t!.registerAndLogin('customer')));
    const orderIds = await Promise.all(racers.map((c) => checkout(c, skus[1], 1, 'tok_approve')));
    await quiet();
    const orders = await Promise.all(racers.map((c, i) => order(c, orderIds[i])));
    const confirmed = orderIds.filter((_, i) => orders[i].status === 'confirmed');
    expect(confirmed).toHaveLength(4);
    expect(orders.filter((o) => o.status === 'cancelled').map((o) => o.cancellationReason)).toEqual(Array(6).fill('out_of_stock'));
    expect(await stock(skus[1])).toMatchObject({ onHand: 0, reserved: 0 });
    const money = await ledger(orderIds);
    expect(money.map((p) => p.payment_id).sort()).toEqual([...confirmed].sort());
    expect(money.every((p) => p.state === 'captured' && Number(p.captured) === PRICE)).toBe(true);
  });
});
