import type { Sql } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';

export type SalesSummary = {
  from: string;
  to: string;
  revenuePerDay: { day: string; currency: string; confirmedOrders: number; revenue: number; refunds: number; net: number }[];
  ordersByStatus: Record<string, number>;
  averageOrderValue: Money[];
  topProducts: { sku: string; productId: string | null; name: string; quantity: number; revenue: Money }[];
  cartConversion: { cartsStarted: number; ordersPlaced: number; rate: number | null };
};

const TOP_PRODUCTS = 10;

/** The admin dashboard for UTC days `from`..`to` (inclusive): five small queries over the analytics read models. */
export const getSalesSummary = async (db: Sql, from: string, to: string): Promise<SalesSummary> => {
  const range = [from, to];
  const [daily, statuses, top, carts, placed] = await Promise.all([
    db.query<{ day: string; currency: string; confirmed_orders: number; revenue: string; refunds: string }>(
      `select to_char(day, 'YYYY-MM-DD') as day, currency, confirmed_orders, revenue::text, refunds::text
         from analytics.daily_sales where day between $1 and $2 order by day, currency`,
      range,
    ),
    db.query<{ status: string; n: string }>(
      `select status, count(*)::text as n from analytics.orders where placed_day between $1 and $2 group by status`,
      range,
    ),
    db.query<{ sku: string; product_id: string | null; name: string; quantity: string; revenue: string; currency: string }>(
      `select l.sku, max(l.product_id) as product_id, max(l.name) as name, sum(l.quantity)::text as quantity,
              sum(l.amount)::text as revenue, l.currency
         from analytics.order_lines l join analytics.orders o on o.order_id = l.order_id
        where o.confirmed_day between $1 and $2
        group by l.sku, l.currency order by sum(l.amount) desc, l.sku limit ${TOP_PRODUCTS}`,
      range,
    ),
    db.query<{ n: string }>(
      `select coalesce(sum(carts_started), 0)::text as n from analytics.daily_carts where day between $1 and $2`,
      range,
    ),
    db.query<{ n: string }>(`select count(*)::text as n from analytics.orders where placed_day between $1 and $2`, range),
  ]);

  const perCurrency = new Map<string, { revenue: number; orders: number }>();
  for (const row of daily.rows) {
    const acc = perCurrency.get(row.currency) ?? { revenue: 0, orders: 0 };
    acc.revenue += Number(row.revenue);
    acc.orders += row.confirmed_orders;
    perCurrency.set(row.currency, acc);
  }
  const cartsStarted = Number(carts.rows[0].n);
  const ordersPlaced = Number(placed.rows[0].n);
  return {
    from,
    to,
    revenuePerDay: daily.rows.map((r) => ({
      day: r.day,
      currency: r.currency,
      confirmedOrders: r.confirmed_orders,
      revenue: Number(r.revenue),
      refunds: Number(r.refunds),
      net: Number(r.revenue) - Number(r.refunds),
    })),
    ordersByStatus: Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)])),
    averageOrderValue: [...perCurrency]
      .filter(([, acc]) => acc.orders > 0)
      .map(([currency, acc]) => ({ amount: Math.round(acc.revenue / acc.orders), currency })),
    topProducts: top.rows.map((r) => ({
      sku: r.sku,
      productId: r.product_id,
      name: r.name,
      quantity: Number(r.quantity),
      revenue: { amount: Number(r.revenue), currency: r.currency },
    })),
    // orders per cart started: a cart can be ordered from more than once, so the rate may pass 1 on a short range
    cartConversion: {
      cartsStarted,
      ordersPlaced,
      rate: cartsStarted === 0 ? null : Math.round((ordersPlaced / cartsStarted) * 10_000) / 10_000,
    },
  };
};
