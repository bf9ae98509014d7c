import type { Sql } from '../../../platform/persistence/database';
import type { SalesFacts } from './sales-facts';

/*
 * The rows of `analytics.orders`, written so that they end the same whatever order the facts come in: the row is made
 * by whichever fact comes first, with what it knows (`placed_day` stays null until the placement fills in the rest),
 * each step keeps its first time, amounts refunded only grow, and the status only moves forward (`greatest()` over the
 * enum `analytics.order_status`, which ranks the statuses along the order's life).
 */

/**
 * 'refunded' once what went back covers the order's total; null, which greatest() passes over, while either is
 * unknown: a refund handled before the order's placement and confirmation waits for the total one of them brings.
 */
const refundedInFull = (refunded: string, refundedAt: string, total: string): string =>
  `case when ${refundedAt} is not null and ${refunded} >= ${total} then 'refunded'::analytics.order_status end`;

/**
 * A kind of fact about orders: `source` selects one row per order (named as the table's columns) from the statement's
 * parameters, `set` applies the row `from` to the order's row `o`, `guard` says when a row still takes it.
 */
type OrderFact = { source: string; columns: string; set: (from: string) => string; guard?: string; params: unknown[] };

/**
 * Facts about orders that, in the log's order, find their order's row: one update of the rows that exist. Only the
 * facts that changed no row (their order is not known yet, or the fact was recorded before) go on to an upsert, which
 * creates the row or applies to the one that is there (made meanwhile by a concurrent transaction, say). The in-order
 * path never pays the upsert: it locks each row it finds before it updates it, a WAL record more per row. Returns the
 * orders whose row took the fact.
 */
const updateElseCreate = async (tx: Sql, orderIds: readonly string[], fact: OrderFact): Promise<Set<string>> => {
  const guard = fact.guard ? `and ${fact.guard}` : '';
  const updated = await tx.query<{ order_id: string }>(
    `update analytics.orders o set ${fact.set('f')} from (${fact.source}) f where o.order_id = f.order_id ${guard} returning o.order_id`,
    fact.params,
  );
  const took = new Set(updated.rows.map((row) => row.order_id));
  const rest = orderIds.filter((id) => !took.has(id));
  if (rest.length === 0) return took;
  const upserted = await tx.query<{ order_id: string }>(
    `insert into analytics.orders as o (${fact.columns})
     select ${fact.columns} from (${fact.source}) f where f.order_id = any($${fact.params.length + 1}::text[]) order by f.order_id
     on conflict (order_id) do update set ${fact.set('excluded')} ${fact.guard ? `where ${fact.guard}` : ''}
     returning order_id`,
    [...fact.params, rest],
  );
  for (const row of upserted.rows) took.add(row.order_id);
  return took;
};

/**
 * Orders placed: creates the row (in the log's order nothing is there yet) or fills in the one facts handled earlier
 * made, and the order's lines; a placement recorded before changes nothing.
 */
export const recordPlacements = async (tx: Sql, placed: SalesFacts['placed']): Promise<void> => {
  if (placed.length === 0) return;
  const { rows } = await tx.query<{ order_id: string }>(
    `insert into analytics.orders as o (order_id, customer_id, status, currency, total, placed_day)
     select p.order_id, p.customer_id, 'placed', p.currency, p.total, p.placed_day
       from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::date[]) as p(order_id, customer_id, currency, total, placed_day)
      order by p.order_id
     on conflict (order_id) do update
        set customer_id = excluded.customer_id, currency = excluded.currency, total = excluded.total,
            placed_day = excluded.placed_day,
            status = greatest(o.status, ${refundedInFull('o.refunded', 'o.refunded_at', 'excluded.total')})
      where o.placed_day is null
     returning order_id`,
    [
      placed.map((p) => p.data.orderId),
      placed.map((p) => p.data.customerId),
      placed.map((p) => p.data.total.currency),
      placed.map((p) => p.data.total.amount),
      placed.map((p) => p.day),
    ],
  );
  const placedNow = new Set(rows.map((row) => row.order_id));
  const lines = placed
    .filter((p) => placedNow.has(p.data.orderId))
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

/** Orders confirmed, each once (its first confirmation sets the day). Returns the orders confirmed now. */
export const recordConfirmations = (tx: Sql, confirmed: SalesFacts['confirmed']): Promise<Set<string>> =>
  confirmed.length === 0
    ? Promise.resolve(new Set())
    : updateElseCreate(
        tx,
        confirmed.map((c) => c.data.orderId),
        {
          source: `select c.order_id, 'confirmed'::analytics.order_status as status, c.currency, c.total, c.confirmed_day
                     from unnest($1::text[], $2::text[], $3::bigint[], $4::date[]) as c(order_id, currency, total, confirmed_day)`,
          columns: 'order_id, status, currency, total, confirmed_day',
          set: (f) => `confirmed_day = ${f}.confirmed_day, currency = coalesce(o.currency, ${f}.currency),
                       total = coalesce(o.total, ${f}.total),
                       status = greatest(o.status, ${f}.status, ${refundedInFull('o.refunded', 'o.refunded_at', `coalesce(o.total, ${f}.total)`)})`,
          guard: 'o.confirmed_day is null',
          params: [
            confirmed.map((c) => c.data.orderId),
            confirmed.map((c) => c.data.total.currency),
            confirmed.map((c) => c.data.total.amount),
            confirmed.map((c) => c.day),
          ],
        },
      );

/** Shipped, delivered, cancelled: the first time of each step, and the status ranked (a repeat changes nothing). */
export const recordSteps = async (tx: Sql, steps: SalesFacts['steps']): Promise<void> => {
  if (steps.length === 0) return;
  await updateElseCreate(
    tx,
    steps.map((s) => s.orderId),
    {
      source: `select s.order_id, max(s.step) as status, min(s.at) filter (where s.step = 'shipped') as shipped_at,
                      min(s.at) filter (where s.step = 'delivered') as delivered_at,
                      min(s.at) filter (where s.step = 'cancelled') as cancelled_at
                 from unnest($1::text[], $2::analytics.order_status[], $3::timestamptz[]) as s(order_id, step, at)
                group by s.order_id`,
      columns: 'order_id, status, shipped_at, delivered_at, cancelled_at',
      set: (f) => `status = greatest(o.status, ${f}.status), shipped_at = least(o.shipped_at, ${f}.shipped_at),
                   delivered_at = least(o.delivered_at, ${f}.delivered_at), cancelled_at = least(o.cancelled_at, ${f}.cancelled_at)`,
      params: [steps.map((s) => s.orderId), steps.map((s) => s.step), steps.map((s) => s.at)],
    },
  );
};

/**
 * Money gone back: the most refunded so far (each refund carries the running total) and the latest refund's time. A row
 * a refund makes takes the lowest status until the facts that rank it come.
 */
export const recordRefunds = async (tx: Sql, refunds: SalesFacts['refunds']): Promise<void> => {
  if (refunds.length === 0) return;
  await updateElseCreate(
    tx,
    refunds.map((r) => r.data.orderId),
    {
      source: `select r.order_id, 'placed'::analytics.order_status as status, max(r.refunded) as refunded, max(r.at) as refunded_at
                 from unnest($1::text[], $2::bigint[], $3::timestamptz[]) as r(order_id, refunded, at)
                group by r.order_id`,
      columns: 'order_id, status, refunded, refunded_at',
      set: (f) => `refunded = greatest(o.refunded, ${f}.refunded), refunded_at = greatest(o.refunded_at, ${f}.refunded_at),
                   status = greatest(o.status, ${refundedInFull(`greatest(o.refunded, ${f}.refunded)`, `${f}.refunded_at`, 'o.total')})`,
      params: [refunds.map((r) => r.data.orderId), refunds.map((r) => r.data.totalRefunded.amount), refunds.map((r) => r.at)],
    },
  );
};
