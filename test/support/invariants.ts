import { LEVEL_CHANGES } from '../../src/contexts/inventory/domain/stock';
import type { Sql } from '../../src/platform/persistence/database';
import { type OrderStreamEvent, streamProblem, goodsBackAt } from './order-stream-rules';

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Polls `probe` until it returns a truthy value (returned), or throws naming `what` after `deadlineMs`. */
export const until = async <T>(what: string, probe: () => Promise<T> | T, deadlineMs = 30_000, intervalMs = 50): Promise<Truthy<T>> => {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};

/** Row counts of the tables a command writes: equal before and after means nothing was written. */
export const writeCounts = async (sql: Sql): Promise<Record<string, number>> => {
  const tables = [
    'es.events',
    'es.command_results',
    'es.scheduled_messages',
    'http.idempotency_keys',
    'ordering.orders',
    'cart.carts',
    'catalog.categories',
    'catalog.products',
    'catalog.variants',
    'inventory.stock_levels',
    'inventory.stock_reservations',
    'inventory.stock_ledger',
    'messaging.inbox',
    'payment_sandbox.payments',
  ];
  const { rows } = await sql.query<{ counts: Record<string, string> }>(
    `select json_build_object(${tables.map((table) => `'${table}', (select count(*) from ${table})`).join(', ')}) as counts`,
  );
  return Object.fromEntries(Object.entries(rows[0].counts).map(([table, count]) => [table, Number(count)]));
};

type OrderRow = {
  id: string;
  status: string;
  total: string;
  refunded_total: string;
  lines: { sku: string; quantity: number }[];
  cancellation_reason: string | null;
};

type StockEventRow = {
  stream: string;
  version: number;
  position: string;
  type: string;
  data: {
    sku: string;
    onHand?: number;
    orderId?: string;
    quantity?: number;
    delta?: number;
    wasHeld?: boolean;
    level?: { onHand: number; reserved: number };
  };
};

/**
 * The invariants of RELIABILITY.md that hold whenever the system is quiet, checked on the database alone; returns
 * one line per violation ([] when all hold):
 * - every stream's versions are 1..n without gaps, event ids are unique, no dead letters, no inbox row twice;
 * - replaying every stock stream, available (onHand - reserved) and reserved are never negative at any version,
 *   the CHECK constraint backing it exists, and the projection equals the replay;
 * - each (SKU, order) is reserved at most once and released at most once; each order's committed stock is put back at
 *   most once, never more units than it committed;
 * - every order is past its checkout: one OrderPlaced, one end of the checkout (confirmed or cancelled), then only
 *   its life after it (dispatch requested or failed, shipped, delivered, parcel returned, interception failed, refunds,
 *   returns, at most one cancellation: never while a dispatch is under way, after shipping only once the carrier
 *   reported the parcel coming back; never delivered as well, nor delivered after a parcel return unless the
 *   interception failed); an order confirmed and not cancelled holds its lines in stock and keeps its total captured
 *   less what it refunded; a cancelled one keeps no money and holds no stock, except one cancelled while its parcel was
 *   still with the carrier: its units stay committed (never restocked) until the carrier returns the parcel;
 * - the sandbox provider holds no payment for an order that does not exist.
 */
export const invariantViolations = async (sql: Sql): Promise<string[]> => {
  const violations: string[] = [];
  const rows = async <R extends object>(text: string) => (await sql.query<R & Record<string, unknown>>(text)).rows;

  for (const r of await rows<{ stream: string; first: number; last: number; n: string }>(
    `select stream, min(version) as first, max(version) as last, count(*) as n from es.events group by stream
     having min(version) <> 1 or max(version) <> count(*)`,
  ))
    violations.push(`stream ${r.stream}: versions ${r.first}..${r.last} but ${r.n} events`);
  for (const r of await rows<{ event_id: string }>(`select event_id from es.events group by event_id having count(*) > 1`))
    violations.push(`event id ${r.event_id} stored more than once`);
  for (const r of await rows<{ consumer: string; type: string; error: string }>(`select consumer, type, error from es.dead_letters`))
    violations.push(`dead letter: ${r.consumer} ${r.type}: ${r.error}`);
  for (const r of await rows<{ subscriber: string; message_id: string }>(
    `select subscriber, message_id from messaging.inbox group by subscriber, message_id having count(*) > 1`,
  ))
    violations.push(`inbox: ${r.subscriber} applied ${r.message_id} more than once`);

  const check = await rows<{ definition: string }>(
    `select pg_get_constraintdef(oid) as definition from pg_constraint where conname = 'stock_levels_available_check'`,
  );
  if (!/available >= 0/.test(check[0]?.definition ?? '')) violations.push('inventory.stock_levels has no CHECK (available >= 0)');

  const replayed = new Map<string, { onHand: number; reserved: number }>();
  const held = new Map<string, number>();
  /** per `${sku} ${orderId}`: units committed, and units put back on hand after a cancellation */
  const committedUnits = new Map<string, number>();
  const restockedUnits = new Map<string, number>();
  /** per order: where in the log its committed stock first went back on hand after a cancellation */
  const restockedAt = new Map<string, bigint>();
  const add = (units: Map<string, number>, key: string, quantity: number) => units.set(key, (units.get(key) ?? 0) + quantity);
  for (const e of await rows<StockEventRow>(
    `select stream, version, global_position::text as position, type, data from es.events where stream like 'inventory.stock-%'
      order by stream, version`,
  )) {
    const level = replayed.get(e.data.sku) ?? { onHand: 0, reserved: 0 };
    const key = `${e.data.sku} ${e.data.orderId}`;
    if (e.type === 'StockLevelSet') level.onHand = e.data.onHand!;
    if (e.type === 'StockReserved' || e.type === 'StockReleased') {
      const times = (held.get(`${e.type} ${key}`) ?? 0) + 1;
      held.set(`${e.type} ${key}`, times);
      if (times > 1) violations.push(`${e.type} for ${key} appended ${times} times`);
      level.reserved += e.type === 'StockReserved' ? e.data.quantity! : -e.data.quantity!;
    }
    if (e.type === 'StockCommitted' || e.type === 'CancelledOrderRestocked') {
      const times = (held.get(`${e.type} ${key}`) ?? 0) + 1;
      held.set(`${e.type} ${key}`, times);
      if (times > 1) violations.push(`${e.type} for ${key} appended ${times} times`);
    }
    if (e.type === 'StockCommitted') add(committedUnits, key, e.data.quantity!);
    if (e.type === 'CancelledOrderRestocked') add(restockedUnits, key, e.data.quantity!);
    if (e.type === 'CancelledOrderRestocked' && !restockedAt.has(e.data.orderId!)) restockedAt.set(e.data.orderId!, BigInt(e.position));
    if (e.type === 'StockCommitted') {
      level.onHand -= e.data.quantity!;
      if (e.data.wasHeld) level.reserved -= e.data.quantity!;
    }
    if (e.type === 'CancelledOrderRestocked' || e.type === 'StockReturned' || e.type === 'StockRestocked') level.onHand += e.data.quantity!;
    if (e.type === 'StockAdjusted') level.onHand += e.data.delta!;
    replayed.set(e.data.sku, level);
    if (level.reserved < 0 || level.onHand - level.reserved < 0)
      violations.push(`${e.stream} v${e.version}: onHand ${level.onHand}, reserved ${level.reserved}`);
    if (e.data.level && (e.data.level.onHand !== level.onHand || e.data.level.reserved !== level.reserved))
      violations.push(`${e.stream} v${e.version}: event says ${JSON.stringify(e.data.level)}, replay ${JSON.stringify(level)}`);
  }
  const projected = await rows<{ sku: string; on_hand: number; reserved: number; available: number }>(
    `select sku, on_hand, reserved, available from inventory.stock_levels`,
  );
  for (const p of projected) {
    const level = replayed.get(p.sku);
    if (!level || level.onHand !== p.on_hand || level.reserved !== p.reserved || p.available < 0)
      violations.push(`stock_levels ${p.sku}: ${p.on_hand}/${p.reserved}/${p.available}, replay ${JSON.stringify(level)}`);
  }
  if (projected.length !== replayed.size) violations.push(`stock_levels has ${projected.length} rows, the log ${replayed.size} SKUs`);
  for (const [key, back] of restockedUnits)
    if (back > (committedUnits.get(key) ?? 0))
      violations.push(`${key}: ${back} units restocked, ${committedUnits.get(key) ?? 0} committed`);
  for (const r of await rows<{ stream: string; n: string }>(
    `select stream, count(*) as n from es.events where stream like 'inventory.reservation-%' and type = 'CommittedStockRestocked'
     group by stream having count(*) > 1`,
  ))
    violations.push(`${r.stream}: committed stock put back ${r.n} times`);

  const orderEvents = new Map<string, OrderStreamEvent[]>();
  for (const r of await rows<{ stream: string; events: OrderStreamEvent[] }>(
    `select stream, json_agg(json_build_object('type', type, 'position', global_position::text, 'data', data) order by version) as events
       from es.events where stream like 'ordering.order-%' group by stream`,
  ))
    orderEvents.set(r.stream.slice('ordering.order-'.length), r.events);
  const reservations = new Map<string, Map<string, number>>();
  for (const r of await rows<{ order_id: string; sku: string; quantity: number }>(
    `select order_id, sku, quantity from inventory.stock_reservations where not released`,
  )) {
    const bySku = reservations.get(r.order_id) ?? new Map<string, number>();
    bySku.set(r.sku, r.quantity);
    reservations.set(r.order_id, bySku);
  }
  const payments = new Map<string, { state: string; captured: number; refunded: number }>();
  for (const r of await rows<{ payment_id: string; state: string; captured: string; refunded: string }>(
    `select payment_id, state, captured, refunded from payment_sandbox.payments`,
  ))
    payments.set(r.payment_id, { state: r.state, captured: Number(r.captured), refunded: Number(r.refunded) });

  const orders = await rows<OrderRow>(
    `select id::text as id, status, total, refunded_total, lines, cancellation_reason from ordering.orders`,
  );
  for (const o of orders) {
    const events = orderEvents.get(o.id) ?? [];
    const types = events.map((e) => e.type);
    const problem = streamProblem(events);
    if (o.status === 'placed') violations.push(`order ${o.id} is not terminal`);
    else if (problem) violations.push(`order ${o.id} (${o.status}): ${problem}: stream ${types.join()}`);
    const kept = types[1] === 'OrderConfirmed' && !types.includes('OrderCancelled');
    const backAt = goodsBackAt(events);
    const restocked = restockedAt.get(o.id);
    if (backAt !== undefined && restocked !== undefined && (backAt === null || restocked < backAt))
      violations.push(`order ${o.id} restocked while its parcel was not back`);
    const goodsOut = backAt === null;
    const holds = [...(reservations.get(o.id) ?? new Map<string, number>())].sort().join();
    const lines = new Map<string, number>();
    for (const line of o.lines) lines.set(line.sku, (lines.get(line.sku) ?? 0) + line.quantity);
    const wants = kept || goodsOut ? [...lines].sort().join() : '';
    if (holds !== wants) violations.push(`order ${o.id} (${o.status}) holds stock [${holds}], expected [${wants}]`);
    const payment = payments.get(o.id);
    const money = payment ? payment.captured - payment.refunded : 0;
    const refunded = Number(o.refunded_total);
    if (kept && (payment?.captured !== Number(o.total) || money !== Number(o.total) - refunded))
      violations.push(`order ${o.id} (${o.status}, total ${o.total}, refunded ${refunded}): provider ${JSON.stringify(payment)}`);
    if (!kept && money !== 0) violations.push(`cancelled order ${o.id} keeps ${money} at the provider`);
  }
  const orderIds = new Set(orders.map((o) => o.id));
  for (const id of payments.keys()) if (!orderIds.has(id)) violations.push(`the provider holds payment ${id} of no order`);
  return violations;
};

/**
 * Which subscriber applies the message each event type becomes (see the contexts' translators and subscribers);
 * commands a handler may find already answered (void, refund) are left out, as are messages nobody subscribes to.
 */
const SUBSCRIBERS_BY_EVENT: Record<string, string> = {
  OrderPlaced: 'cart.checkout',
  CheckoutStarted: 'inventory.commands',
  StockReservationRequested: 'inventory.commands',
  StockReleaseRequested: 'inventory.commands',
  PaymentAuthorizationRequested: 'payment.commands',
  PaymentCaptureRequested: 'payment.commands',
  StockReservationConfirmed: 'ordering.checkout',
  StockReservationRejected: 'ordering.checkout',
  PaymentAuthorized: 'ordering.checkout',
  PaymentDeclined: 'ordering.checkout',
  PaymentFailed: 'ordering.checkout',
  PaymentCaptured: 'ordering.checkout',
  PaymentVoided: 'ordering.checkout',
  PaymentRefunded: 'ordering.checkout',
  OrderConfirmed: 'inventory.order-events',
  OrderCancelled: 'inventory.order-events',
  OrderParcelReturned: 'inventory.order-events',
  ShipmentDispatched: 'ordering.deliveries',
  ShipmentDelivered: 'ordering.deliveries',
  ShipmentIntercepted: 'ordering.deliveries',
  ShipmentReturnedToSender: 'ordering.deliveries',
  ShipmentInterceptionFailed: 'ordering.deliveries',
};

/**
 * The catalog keeps no inbox for stock levels (a copy is idempotent by its version): it has applied them all when
 * its copy of every SKU is at the version of the SKU's newest published stock event, with the quantity inventory holds.
 */
const catalogCopyViolations = async (sql: Sql): Promise<string[]> => {
  const { rows } = await sql.query<{ sku: string; version: number; copied: number | null; available: number; shown: number | null }>(
    `with newest as (
       select substr(e.stream, length('inventory.stock-') + 1) as sku, max(e.version) as version
       from es.events e where e.stream like 'inventory.stock-%' and e.type = any($1::text[]) group by e.stream)
     select n.sku, n.version, a.version as copied, greatest(0, s.on_hand - s.reserved) as available, a.available as shown
     from newest n join inventory.stock_levels s on s.sku = n.sku left join catalog.product_availability a on a.sku = n.sku
     where a.version is distinct from n.version or a.available <> greatest(0, s.on_hand - s.reserved)`,
    [LEVEL_CHANGES],
  );
  return rows.map(
    (r) =>
      `the catalog shows ${r.shown ?? 'nothing'} of ${r.sku} at version ${r.copied ?? 'none'}: inventory has ${r.available} at ${r.version}`,
  );
};

/**
 * R3 end to end: every committed event that becomes a message was applied by its subscriber exactly once (one inbox
 * row, keyed by the event id the message id derives from), and the catalog holds the newest stock levels; returns one
 * line per event (or SKU) that was not.
 */
export const deliveryViolations = async (sql: Sql): Promise<string[]> => [
  ...(await inboxViolations(sql)),
  ...(await catalogCopyViolations(sql)),
];

const inboxViolations = async (sql: Sql): Promise<string[]> => {
  const { rows } = await sql.query<{ type: string; stream: string; event_id: string; applied: string }>(
    `select e.type, e.stream, e.event_id::text as event_id,
            (select count(*) from messaging.inbox i where i.subscriber = s.subscriber and i.message_id = e.event_id::text) as applied
       from es.events e join (select * from jsonb_each_text($1::jsonb)) as s(type, subscriber) on s.type = e.type`,
    [JSON.stringify(SUBSCRIBERS_BY_EVENT)],
  );
  return rows
    .filter((r) => Number(r.applied) !== 1)
    .map((r) => `${r.type} ${r.event_id} (${r.stream}) applied ${r.applied} times by ${SUBSCRIBERS_BY_EVENT[r.type]}`);
};

/**
 * Waits (bounded) until the checkout flows are quiet: no order is still `placed` and every message an event became
 * has been applied by its subscriber (deliveryViolations is empty). Decided on the database alone, so it works
 * across processes and whatever the consumers' checkpointing; on timeout it lists what is still open.
 */
export const settle = async (sql: Sql, deadlineMs = 30_000): Promise<void> => {
  let open: string[] = [];
  try {
    await until(
      'every order terminal and every message applied',
      async () => {
        const { rows } = await sql.query<{ id: string }>(`select id::text as id from ordering.orders where status = 'placed'`);
        open = [...rows.map((r) => `order ${r.id} is placed`), ...(await deliveryViolations(sql))];
        return open.length === 0;
      },
      deadlineMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; still open: ${open.slice(0, 20).join('; ')}`, { cause: error });
  }
};
