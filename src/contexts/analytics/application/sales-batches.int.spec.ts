import { describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';
import { analyticsMigrations } from '../infrastructure/migrations';
import { applySalesMessages } from './sales-batches';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
let seq = 0;
const message = (type: string, data: unknown, occurredAt = '2026-05-01T10:00:00.000Z'): IntegrationMessage => ({
  id: `m-${++seq}`,
  type,
  occurredAt,
  correlationId: 'c',
  data,
});
const line = (sku: string, quantity: number, price: number) => ({
  sku,
  productId: `p-${sku}`,
  name: `Plant ${sku}`,
  quantity,
  unitPrice: eur(price),
});
const placed = (orderId: string, lines: ReturnType<typeof line>[], day?: string) =>
  message(
    OrderingMessages.orderPlaced,
    { orderId, customerId: 'cust-1', total: eur(lines.reduce((sum, l) => sum + l.quantity * l.unitPrice.amount, 0)), lines },
    day,
  );
const confirmed = (orderId: string, total: number, day?: string) =>
  message(OrderingMessages.orderConfirmed, { orderId, total: eur(total) }, day);

/** A history with runs of checkouts between the facts that end them: repeats, two days, a cancellation, refunds. */
const history = (): IntegrationMessage[] => {
  const repeatedPlacement = placed('B', [line('S2', 1, 500)]);
  const repeatedConfirmation = confirmed('A', 700);
  return [
    message(CartMessages.cartStarted, { cartId: 'k1' }),
    message(CartMessages.cartStarted, { cartId: 'k2' }, '2026-05-02T08:00:00.000Z'),
    placed('A', [line('S1', 2, 100), line('S2', 1, 500)]),
    repeatedPlacement,
    repeatedPlacement,
    repeatedConfirmation,
    repeatedConfirmation,
    message(OrderingMessages.orderCancelled, { orderId: 'B' }),
    message(CartMessages.cartStarted, { cartId: 'k3' }),
    placed('C', [line('S3', 3, 200)], '2026-05-02T09:00:00.000Z'),
    confirmed('C', 600, '2026-05-02T09:00:01.000Z'),
    message(OrderingMessages.orderShipped, { orderId: 'A' }),
    message(OrderingMessages.orderRefunded, { orderId: 'C', amount: eur(200), totalRefunded: eur(200) }),
    placed('D', [line('S1', 1, 100)]),
    confirmed('D', 100),
    message(OrderingMessages.orderDelivered, { orderId: 'A' }),
    placed('E', [line('S4', 1, 900)]),
    { ...confirmed('E', 900), data: { orderId: 'E' } }, // malformed: skipped, never thrown
  ];
};

describe.each(testServers())('sales read models written in batches on $name', (server) => {
  const suite = migratedDatabase(server, analyticsMigrations);

  const tables = async () => {
    const { db } = suite;
    const read = async (sql: string) => (await db.query(sql, [])).rows;
    return {
      orders: await read('select * from analytics.orders order by order_id'),
      lines: await read('select * from analytics.order_lines order by order_id, line_no'),
      sales: await read('select * from analytics.daily_sales order by day, currency'),
      carts: await read('select * from analytics.daily_carts order by day'),
    };
  };
  const empty = () => suite.db.query('truncate analytics.orders, analytics.order_lines, analytics.daily_sales, analytics.daily_carts');

  it('ends where applying the messages one by one ends, in one statement per kind of fact and table', async () => {
    const messages = history();
    /** Applies the batches in one transaction and counts the statements they took. */
    const applyCounting = async (batches: readonly IntegrationMessage[][]) => {
      await empty();
      let statements = 0;
      await suite.db.transaction(async (tx) => {
        const counting: Sql = {
          query: (text, params) => {
            statements++;
            return tx.query(text, params);
          },
        };
        for (const batch of batches) await applySalesMessages(counting, batch);
      });
      return statements;
    };
    // one by one: a statement per fact and table written; a repeated placement writes no lines, a repeated confirmation
    // no sums, but it finds no row to confirm and goes on to the upsert that would have made it (one more)
    expect(await applyCounting(messages.map((m) => [m]))).toBe(27);
    const oneByOne = await tables();

    // placements and their lines, confirmations, the steps (cancelled, shipped, delivered), refunds, carts started, the
    // daily sales: one statement each, whatever the batch holds
    expect(await applyCounting([messages])).toBe(7);
    expect(await tables()).toEqual(oneByOne);
    expect(oneByOne.orders.map((o) => [o.order_id, o.status])).toEqual([
      ['A', 'delivered'],
      ['B', 'cancelled'],
      ['C', 'confirmed'], // refunded in part
      ['D', 'confirmed'],
      ['E', 'placed'],
    ]);

    // the facts about an order again change nothing (the inbox keeps carts started and refunds from counting twice)
    const again = new Set<string>([
      OrderingMessages.orderPlaced,
      OrderingMessages.orderConfirmed,
      OrderingMessages.orderShipped,
      OrderingMessages.orderDelivered,
      OrderingMessages.orderCancelled,
    ]);
    await suite.db.transaction((tx) =>
      applySalesMessages(
        tx,
        messages.filter((m) => again.has(m.type)),
      ),
    );
    expect(await tables()).toEqual(oneByOne);
  });

  it('counts each order once however many of its confirmations a batch holds, and sums per day and currency', async () => {
    await empty();
    const usd = message(OrderingMessages.orderPlaced, {
      orderId: 'U',
      customerId: 'cust-2',
      total: { amount: 1000, currency: 'USD' },
      lines: [],
    });
    await suite.db.transaction((tx) =>
      applySalesMessages(tx, [
        placed('A', [line('S1', 1, 100)]),
        placed('B', [line('S1', 2, 100)]),
        usd,
        confirmed('A', 100),
        confirmed('B', 200),
        confirmed('A', 100),
        { ...confirmed('U', 0), data: { orderId: 'U', total: { amount: 1000, currency: 'USD' } } },
      ]),
    );
    const { sales } = await tables();
    expect(sales.map((s) => [s.currency, s.confirmed_orders, s.revenue])).toEqual([
      ['EUR', 2, '300'],
      ['USD', 1, '1000'],
    ]);
  });
});
