import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';
import { applySalesMessage, Confirmed, dayOf, Placed } from './sales-facts';

/** The facts every checkout brings, which a batch writes set-based; the rest are applied one by one, in order. */
const TOGETHER: ReadonlySet<string> = new Set([CartMessages.cartStarted, OrderingMessages.orderPlaced, OrderingMessages.orderConfirmed]);

/** Adds `by` to the value under `key`. */
const tally = (counts: Map<string, number>, key: string, by: number) => counts.set(key, (counts.get(key) ?? 0) + by);

/**
 * Carts started, orders placed and orders confirmed of one run of messages, in a fixed number of statements (one per
 * table) instead of a few per order. Placing comes before confirming (an order is confirmed only after it was placed,
 * so a run never holds them the other way round); repeats change nothing, as one by one.
 */
const applyTogether = async (tx: Sql, run: readonly IntegrationMessage[]): Promise<void> => {
  const carts = new Map<string, number>();
  const placed = new Map<string, { day: string; data: Placed }>();
  const confirmed = new Map<string, { day: string; data: Confirmed }>();
  for (const message of run) {
    const day = dayOf(message);
    if (message.type === CartMessages.cartStarted) tally(carts, day, 1);
    if (message.type === OrderingMessages.orderPlaced) {
      const parsed = Placed.safeParse(message.data);
      if (parsed.success && !placed.has(parsed.data.orderId)) placed.set(parsed.data.orderId, { day, data: parsed.data });
    }
    if (message.type === OrderingMessages.orderConfirmed) {
      const parsed = Confirmed.safeParse(message.data);
      if (parsed.success && !confirmed.has(parsed.data.orderId)) confirmed.set(parsed.data.orderId, { day, data: parsed.data });
    }
  }
  if (carts.size > 0) {
    await tx.query(
      `insert into analytics.daily_carts (day, carts_started) select * from unnest($1::date[], $2::int[])
       on conflict (day) do update set carts_started = analytics.daily_carts.carts_started + excluded.carts_started`,
      [[...carts.keys()], [...carts.values()]],
    );
  }
  if (placed.size > 0) await insertPlaced(tx, [...placed.values()]);
  if (confirmed.size > 0) await recordConfirmed(tx, [...confirmed.values()]);
};

const insertPlaced = async (tx: Sql, orders: readonly { day: string; data: Placed }[]): Promise<void> => {
  const { rows } = await tx.query<{ order_id: string }>(
    `insert into analytics.orders (order_id, customer_id, status, currency, total, placed_day)
     select o.order_id, o.customer_id, 'placed', o.currency, o.total, o.placed_day
     from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::date[]) as o(order_id, customer_id, currency, total, placed_day)
     on conflict (order_id) do nothing
     returning order_id`,
    [
      orders.map((o) => o.data.orderId),
      orders.map((o) => o.data.customerId),
      orders.map((o) => o.data.total.currency),
      orders.map((o) => o.data.total.amount),
      orders.map((o) => o.day),
    ],
  );
  const inserted = new Set(rows.map((row) => row.order_id));
  const lines = orders
    .filter((o) => inserted.has(o.data.orderId))
    .flatMap(({ data }) => data.lines.map((line, lineNo) => ({ orderId: data.orderId, lineNo, ...line })));
  if (lines.length === 0) return;
  await tx.query(
    `insert into analytics.order_lines (order_id, line_no, sku, product_id, name, quantity, amount, currency)
     select * from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[], $8::text[])`,
    [
      lines.map((l) => l.orderId),
      lines.map((l) => l.lineNo),
      lines.map((l) => l.sku),
      lines.map((l) => l.productId ?? null),
      lines.map((l) => l.name),
      lines.map((l) => l.quantity),
      lines.map((l) => l.unitPrice.amount * l.quantity),
      lines.map((l) => l.unitPrice.currency),
    ],
  );
};

const recordConfirmed = async (tx: Sql, orders: readonly { day: string; data: Confirmed }[]): Promise<void> => {
  const { rows } = await tx.query<{ order_id: string }>(
    `update analytics.orders o set status = 'confirmed', confirmed_day = c.day
     from unnest($1::text[], $2::date[]) as c(order_id, day)
     where o.order_id = c.order_id and o.confirmed_day is null
     returning o.order_id`,
    [orders.map((o) => o.data.orderId), orders.map((o) => o.day)],
  );
  const counted = new Set(rows.map((row) => row.order_id));
  const sales = new Map<string, { day: string; currency: string; orders: number; revenue: number }>();
  for (const { day, data } of orders) {
    if (!counted.has(data.orderId)) continue;
    const key = `${day}/${data.total.currency}`;
    const sum = sales.get(key) ?? { day, currency: data.total.currency, orders: 0, revenue: 0 };
    sum.orders += 1;
    sum.revenue += data.total.amount;
    sales.set(key, sum);
  }
  if (sales.size === 0) return;
  const sums = [...sales.values()];
  await tx.query(
    `insert into analytics.daily_sales (day, currency, confirmed_orders, revenue)
     select * from unnest($1::date[], $2::text[], $3::int[], $4::bigint[])
     on conflict (day, currency) do update set confirmed_orders = analytics.daily_sales.confirmed_orders + excluded.confirmed_orders,
                                               revenue = analytics.daily_sales.revenue + excluded.revenue`,
    [sums.map((s) => s.day), sums.map((s) => s.currency), sums.map((s) => s.orders), sums.map((s) => s.revenue)],
  );
};

/**
 * Folds a batch of integration messages into the sales read models, with the effect of applying them one by one:
 * each run of carts started, orders placed and confirmed is written set-based, every other message (shipped,
 * delivered, cancelled, refunded) on its own between the runs, so that what an order went through keeps its order.
 */
export const applySalesMessages = async (tx: Sql, messages: readonly IntegrationMessage[]): Promise<void> => {
  let run: IntegrationMessage[] = [];
  for (const message of messages) {
    if (TOGETHER.has(message.type)) {
      run.push(message);
      continue;
    }
    if (run.length > 0) await applyTogether(tx, run);
    run = [];
    await applySalesMessage(tx, message);
  }
  if (run.length > 0) await applyTogether(tx, run);
};
