import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { InProcessMessageBus } from '../../../platform/messaging/in-process.message-bus';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import { messagingMigrations } from '../../../platform/messaging/messaging.migrations';
import { PgInbox } from '../../../platform/messaging/pg.inbox';
import { Metrics } from '../../../platform/observability/metrics';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { ManualClock } from '../../../shared-kernel/clock';
import { newId } from '../../../shared-kernel/ids';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';
import { applySalesMessages } from '../application/sales-batches';
import { analyticsMigrations } from '../infrastructure/migrations';
import { SALES_SUBSCRIBER, SalesSubscriber } from './sales.subscriber';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const message = (type: string, data: unknown): IntegrationMessage => ({
  id: newId(),
  type,
  occurredAt: '2026-05-01T10:00:00.000Z',
  correlationId: newId(),
  data,
});
const cartStarted = () => message(CartMessages.cartStarted, { cartId: newId(), guest: false, startedAt: '2026-05-01T10:00:00.000Z' });
const placed = (orderId: string, price: number) =>
  message(OrderingMessages.orderPlaced, {
    orderId,
    customerId: 'cust-1',
    total: eur(price),
    lines: [{ sku: 'MUG-1', productId: 'p-1', name: 'Mug', quantity: 1, unitPrice: eur(price) }],
  });
const confirmed = (orderId: string, price: number) => message(OrderingMessages.orderConfirmed, { orderId, total: eur(price) });

/** Two checkouts, one of them shipped, delivered and refunded in part, the other cancelled. */
const history = (): IntegrationMessage[] => [
  cartStarted(),
  placed('A', 1000),
  confirmed('A', 1000),
  message(OrderingMessages.orderShipped, { orderId: 'A' }),
  message(OrderingMessages.orderDelivered, { orderId: 'A' }),
  message(OrderingMessages.orderRefunded, { orderId: 'A', amount: eur(300), totalRefunded: eur(300) }),
  cartStarted(),
  placed('B', 500),
  message(OrderingMessages.orderCancelled, { orderId: 'B' }),
];

describe.each(testServers())('the sales subscriber on $name', (server) => {
  const suite = migratedDatabase(server, [...platformCoreMigrations, ...messagingMigrations, ...analyticsMigrations]);
  let subscriber: SalesSubscriber;

  beforeAll(() => {
    const { db } = suite;
    subscriber = new SalesSubscriber(new InProcessMessageBus(), db, new PgInbox(db), new ManualClock(new Date()), new Metrics());
  });

  const tables = async () => {
    const read = async (sql: string) => (await suite.db.query(sql)).rows;
    return {
      orders: await read('select * from analytics.orders order by order_id'),
      lines: await read('select * from analytics.order_lines order by order_id, line_no'),
      sales: await read('select * from analytics.daily_sales order by day, currency'),
      carts: await read('select * from analytics.daily_carts order by day'),
    };
  };
  const inboxRows = async (subscriberName = SALES_SUBSCRIBER) =>
    Number(
      (await suite.db.query<{ n: string }>('select count(*) as n from messaging.inbox where subscriber = $1', [subscriberName])).rows[0].n,
    );
  const reset = () => suite.db.transaction((tx) => subscriber.reset(tx));

  it('folds a batch as applying its messages does, each once however often the bus delivers it', async () => {
    const messages = history();
    await reset();
    await suite.db.transaction((tx) => applySalesMessages(tx, messages));
    const applied = await tables();

    await reset();
    await subscriber.handle(messages);
    expect(await tables()).toEqual(applied);
    // rows only for what would count twice: two carts started and a refund
    expect(await inboxRows()).toBe(3);

    await subscriber.handle([...messages, ...messages]);
    for (const redelivered of messages) await subscriber.handle([redelivered]);
    expect(await tables()).toEqual(applied);
    expect(await inboxRows()).toBe(3);
  });

  it('applies a new order placed in a batch whose other messages were all handled before', async () => {
    await reset();
    const started = cartStarted();
    await subscriber.handle([started]);
    await subscriber.handle([started, placed('C', 700), confirmed('C', 700)]);
    const { orders, sales, carts } = await tables();
    expect(orders.map((o) => [o.order_id, o.status])).toEqual([['C', 'confirmed']]);
    expect(sales.map((s) => [s.confirmed_orders, s.revenue])).toEqual([[1, '700']]);
    expect(carts.map((c) => c.carts_started)).toEqual([1]);
  });

  it('records a malformed message as handled, once, and folds the rest of its batch', async () => {
    await reset();
    const malformed = { ...confirmed('D', 400), data: { orderId: 'D' } };
    await subscriber.handle([placed('D', 400), malformed]);
    await subscriber.handle([malformed]);
    expect((await tables()).orders.map((o) => [o.order_id, o.status])).toEqual([['D', 'placed']]);
    expect(await inboxRows()).toBe(1);
  });

  it('resets its read models and forgets only its own inbox rows', async () => {
    await subscriber.handle(history());
    await suite.db.query('insert into messaging.inbox (subscriber, message_id) values ($1, $2)', ['cart.checkout', newId()]);
    await reset();
    expect(await tables()).toEqual({ orders: [], lines: [], sales: [], carts: [] });
    expect(await inboxRows()).toBe(0);
    expect(await inboxRows('cart.checkout')).toBe(1);
  });
});
