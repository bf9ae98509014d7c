import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { collectSalesFacts, type SalesFacts } from './sales-facts';
import { recordConfirmations, recordPlacements, recordRefunds, recordSteps } from './sales-orders';

/** The daily sums (hot rows, written last): carts started, orders confirmed now with their revenue, refunds. */
const addDailySums = async (tx: Sql, facts: SalesFacts, confirmedNow: ReadonlySet<string>): Promise<void> => {
  if (facts.cartsStarted.size > 0) {
    await tx.query(
      `insert into analytics.daily_carts (day, carts_started)
       select * from unnest($1::date[], $2::int[]) as c(day, carts_started) order by c.day
       on conflict (day) do update set carts_started = analytics.daily_carts.carts_started + excluded.carts_started`,
      [[...facts.cartsStarted.keys()], [...facts.cartsStarted.values()]],
    );
  }
  const sales = new Map<string, { day: string; currency: string; orders: number; revenue: number; refunds: number }>();
  const sumOf = (day: string, currency: string) => {
    const key = `${day}/${currency}`;
    const sum = sales.get(key) ?? { day, currency, orders: 0, revenue: 0, refunds: 0 };
    return sales.set(key, sum) && sum;
  };
  for (const { day, data } of facts.confirmed) {
    if (!confirmedNow.has(data.orderId)) continue;
    const sum = sumOf(day, data.total.currency);
    sum.orders += 1;
    sum.revenue += data.total.amount;
  }
  for (const { day, data } of facts.refunds) sumOf(day, data.amount.currency).refunds += data.amount.amount;
  if (sales.size === 0) return;
  const sums = [...sales.values()];
  await tx.query(
    `insert into analytics.daily_sales as d (day, currency, confirmed_orders, revenue, refunds)
     select * from unnest($1::date[], $2::text[], $3::int[], $4::bigint[], $5::bigint[]) as s(day, currency, orders, revenue, refunds)
      order by s.day, s.currency
     on conflict (day, currency) do update set confirmed_orders = d.confirmed_orders + excluded.confirmed_orders,
                                               revenue = d.revenue + excluded.revenue, refunds = d.refunds + excluded.refunds`,
    [
      sums.map((s) => s.day),
      sums.map((s) => s.currency),
      sums.map((s) => s.orders),
      sums.map((s) => s.revenue),
      sums.map((s) => s.refunds),
    ],
  );
};

/**
 * Folds a batch of integration messages into the sales read models in a few statements, whatever the batch holds: one
 * per kind of fact and table (and one more for the facts about orders not known yet). The result does not depend on the order the messages come in, within the batch or
 * across batches: a broker may hand over an order's shipment before its placement. The facts about an order guard
 * themselves against repeats; carts started and refunds count, so the subscriber's inbox keeps them once.
 */
export const applySalesMessages = async (tx: Sql, messages: readonly IntegrationMessage[]): Promise<void> => {
  const facts = collectSalesFacts(messages);
  await recordPlacements(tx, facts.placed);
  const confirmedNow = await recordConfirmations(tx, facts.confirmed);
  await recordSteps(tx, facts.steps);
  await recordRefunds(tx, facts.refunds);
  await addDailySums(tx, facts, confirmedNow);
};
