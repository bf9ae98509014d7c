import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { InProcessMessageBus } from '../../../platform/messaging/in-process.message-bus';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import { messagingMigrations } from '../../../platform/messaging/messaging.migrations';
import { PgInbox } from '../../../platform/messaging/pg.inbox';
import { Metrics } from '../../../platform/observability/metrics';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { ManualClock } from '../../../shared-kernel/clock';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';
import {
  cancelled,
  cartStarted,
  confirmed,
  delivered,
  eur,
  placed,
  readSalesModels,
  refunded,
  shipped,
} from '../application/sales.fixtures';
import { analyticsMigrations } from '../infrastructure/migrations';
import { SALES_SUBSCRIBER, SalesSubscriber } from './sales.subscriber';

/* Over a broker the subscriber gets its messages in no order, several batches at once: the read models must end as
   the log's order leaves them, each message counted once. */

const at = (day: number, time = '10:00') => `2026-05-0${day}T${time}:00.000Z`;

/** One order's messages in the order ordering publishes them. */
const LIFECYCLES: Record<string, (orderId: string) => IntegrationMessage[]> = {
  'delivered, then refunded in full': (id) => [
    placed(id, eur(1000), at(1)),
    confirmed(id, eur(1000), at(1, '10:01')),
    shipped(id, at(2)),
    delivered(id, at(3)),
    refunded(id, 1000, 1000, at(4)),
  ],
  'cancelled once confirmed, then refunded in two parts': (id) => [
    placed(id, eur(800), at(1)),
    confirmed(id, eur(800), at(1, '10:01')),
    cancelled(id, 'cancelled_by_customer', at(2)),
    refunded(id, 300, 300, at(2, '10:05')),
    refunded(id, 500, 800, at(3)),
  ],
  'shipped, refunded in part, delivered': (id) => [
    placed(id, eur(700), at(1)),
    confirmed(id, eur(700), at(1, '10:01')),
    shipped(id, at(2)),
    refunded(id, 200, 200, at(2, '11:00')),
    delivered(id, at(3)),
  ],
  'timed out at checkout, its late capture refunded': (id) => [
    placed(id, eur(500), at(1, '11:00')),
    cancelled(id, 'timeout', at(1, '11:15')),
    refunded(id, 500, 500, at(2, '09:00')),
  ],
  'declined at checkout': (id) => [
    cartStarted(at(1, '09:00')),
    placed(id, eur(600), at(1)),
    cancelled(id, 'payment_declined', at(1, '10:02')),
  ],
};

/** Every order of `items`. */
function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) return yield [...items];
  for (const [i, first] of items.entries())
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) yield [first, ...rest];
}

/** A shuffle that a seed reproduces (mulberry32 drawing a Fisher–Yates shuffle). */
const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};
const batchesOf = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Five orders of different lives, an order in another currency, and carts that were never ordered, in log order. */
const history = (): IntegrationMessage[] => [
  cartStarted(at(1, '08:00')),
  ...Object.values(LIFECYCLES).flatMap((lifecycle, i) => lifecycle(`order-${i}`)),
  placed('order-usd', { amount: 1500, currency: 'USD' }, at(2, '12:00')),
  confirmed('order-usd', { amount: 1500, currency: 'USD' }, at(2, '12:01')),
  cartStarted(at(2, '13:00')),
];

describe.each(testServers())('the sales read models whatever the delivery order, on $name', (server) => {
  // four connections: deliveries in flight contend for them as a broker's do, and the shared server keeps some to spare
  const suite = migratedDatabase(server, [...platformCoreMigrations, ...messagingMigrations, ...analyticsMigrations], { poolSize: 4 });
  let subscriber: SalesSubscriber;

  beforeAll(() => {
    const { db } = suite;
    subscriber = new SalesSubscriber(new InProcessMessageBus(), db, new PgInbox(db), new ManualClock(new Date()), new Metrics());
  });

  const inboxRows = async () =>
    Number(
      (await suite.db.query<{ n: string }>('select count(*) as n from messaging.inbox where subscriber = $1', [SALES_SUBSCRIBER])).rows[0]
        .n,
    );
  /** Empties the read models and the inbox (faster than the subscriber's reset, which truncates). */
  const empty = () =>
    suite.db.query(
      'delete from analytics.orders; delete from analytics.order_lines; delete from analytics.daily_sales; delete from analytics.daily_carts; delete from messaging.inbox',
    );
  /** From empty read models, the batches one after the other: what the read models hold then. */
  const deliver = async (batches: readonly IntegrationMessage[][]) => {
    await empty();
    for (const batch of batches) await subscriber.handle(batch);
    return readSalesModels(suite.db);
  };
  const oneByOne = (messages: readonly IntegrationMessage[]) => messages.map((m) => [m]);

  it('ends as the log order ends for every order of one order’s messages, each delivered on its own', async () => {
    for (const [life, lifecycle] of Object.entries(LIFECYCLES)) {
      const messages = lifecycle('order-1');
      const inOrder = await deliver(oneByOne(messages));
      expect(inOrder.orders, life).toHaveLength(1);
      let orders = 0;
      for (const permutation of permutations(messages)) {
        orders++;
        expect(await deliver(oneByOne(permutation)), `${life}: ${permutation.map((m) => m.type)}`).toEqual(inOrder);
      }
      expect(orders, life).toBe([...Array(messages.length).keys()].reduce((n, i) => n * (i + 1), 1));
    }
  });

  it('keeps each step’s time, ranks the status, and sums each day as the log order does', async () => {
    const messages = history();
    const inOrder = await deliver(oneByOne(messages));
    expect(await deliver([messages])).toEqual(inOrder);
    const steps = (o: Record<string, unknown>) =>
      [o.order_id, o.status, o.refunded, o.shipped_at, o.delivered_at, o.cancelled_at, o.refunded_at].map((v) =>
        v instanceof Date ? v.toISOString() : v,
      );
    expect(inOrder.orders.map(steps)).toEqual([
      ['order-0', 'refunded', '1000', at(2), at(3), null, at(4)],
      ['order-1', 'refunded', '800', null, null, at(2), at(3)],
      ['order-2', 'delivered', '200', at(2), at(3), null, at(2, '11:00')],
      ['order-3', 'refunded', '500', null, null, at(1, '11:15'), at(2, '09:00')],
      ['order-4', 'cancelled', null, null, null, at(1, '10:02'), null],
      ['order-usd', 'confirmed', null, null, null, null, null],
    ]);
    expect(inOrder.lines).toHaveLength(12);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    expect(inOrder.sales.map((s) => [day(s.day), s.currency, s.confirmed_orders, s.revenue, s.refunds])).toEqual([
      ['2026-05-01', 'EUR', 3, '2500', '0'],
      ['2026-05-02', 'EUR', 0, '0', '1000'],
      ['2026-05-02', 'USD', 1, '1500', '0'],
      ['2026-05-03', 'EUR', 0, '0', '500'],
      ['2026-05-04', 'EUR', 0, '0', '1000'],
    ]);
    expect(inOrder.carts.map((c) => [day(c.day), c.carts_started])).toEqual([
      ['2026-05-01', 2],
      ['2026-05-02', 1],
    ]);
  });

  it('ends as the log order ends for the orders’ messages shuffled, in batches of every size', async () => {
    const messages = history();
    const inOrder = await deliver(oneByOne(messages));
    for (let size = 1; size <= messages.length; size++)
      for (const seed of [size, 1000 + size]) {
        expect(await deliver(batchesOf(shuffled(messages, seed), size)), `batches of ${size}, seed ${seed}`).toEqual(inOrder);
      }
  });

  it('ends as the log order ends with every message in flight at once, each delivered twice, as a broker does', async () => {
    const messages = history();
    const inOrder = await deliver(oneByOne(messages));
    for (const seed of [1, 2, 3]) {
      await empty();
      // a broker hands its subscriber one message at a time, up to 64 of them unacknowledged, handled concurrently
      await Promise.all(shuffled([...messages, ...messages], seed).map((m) => subscriber.handle([m])));
      expect(await readSalesModels(suite.db), `seed ${seed}`).toEqual(inOrder);
    }
  });

  it('counts nothing twice when the bus delivers everything again, in another order, and sets no status back', async () => {
    const messages = history();
    const inOrder = await deliver(oneByOne(messages));
    const counted = messages.filter((m) => m.type === CartMessages.cartStarted || m.type === OrderingMessages.orderRefunded);
    // only what counts takes an inbox row: carts started and refunds
    expect(await inboxRows()).toBe(counted.length);

    for (const [seed, size] of [
      [7, 4],
      [8, 1],
      [9, messages.length],
    ])
      for (const batch of batchesOf(shuffled(messages, seed), size)) await subscriber.handle(batch);
    // a batch holding a message twice, and what came before a refund delivered again after it
    await subscriber.handle([...messages.slice(0, 6), ...messages.slice(0, 6)]);
    for (const early of messages.filter((m) => m.data && (m.data as { orderId?: string }).orderId === 'order-0').reverse())
      await subscriber.handle([early]);
    expect(await readSalesModels(suite.db)).toEqual(inOrder);
    expect(await inboxRows()).toBe(counted.length);
  });
});
