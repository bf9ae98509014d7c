import { LEVEL_CHANGES } from '../../src/contexts/inventory/domain/stock';
import { type OrderStreamEvent, streamProblem } from './order-stream-rules';
import type { ServiceDatabase } from './service-databases';

/**
 * The invariants each service keeps in its own database, checked on that database alone once the system is quiet
 * (the per-service counterparts of `invariantViolations`, which needs every schema in one database). Each check
 * returns one line per violation, [] when all hold.
 */

/** The event log of any service: streams without gaps, events stored once, nothing dead-lettered, no inbox row twice. */
export const logViolations = async (db: ServiceDatabase): Promise<string[]> => {
  const where = `${db.context}:`;
  const violations: string[] = [];
  for (const r of await db.rows<{ stream: string; first: number; last: number; n: string }>(
    `select stream, min(version) as first, max(version) as last, count(*) as n from es.events group by stream
     having min(version) <> 1 or max(version) <> count(*)`,
  ))
    violations.push(`${where} stream ${r.stream}: versions ${r.first}..${r.last} but ${r.n} events`);
  for (const r of await db.rows<{ event_id: string }>(`select event_id from es.events group by event_id having count(*) > 1`))
    violations.push(`${where} event id ${r.event_id} stored more than once`);
  for (const r of await db.rows<{ consumer: string; type: string; error: string }>(`select consumer, type, error from es.dead_letters`))
    violations.push(`${where} dead letter: ${r.consumer} ${r.type}: ${r.error}`);
  for (const r of await db.rows<{ subscriber: string; message_id: string }>(
    `select subscriber, message_id from messaging.inbox group by subscriber, message_id having count(*) > 1`,
  ))
    violations.push(`${where} inbox: ${r.subscriber} applied ${r.message_id} more than once`);
  return violations;
};

type Level = { onHand: number; reserved: number };
type StockEventRow = {
  stream: string;
  version: number;
  type: string;
  data: { sku: string; onHand?: number; orderId?: string; quantity?: number; delta?: number; wasHeld?: boolean; level?: Level };
};

/** What a stock event does to its SKU's level, replayed from the previous level. */
const replay = (level: Level, e: StockEventRow): Level => {
  const quantity = e.data.quantity ?? 0;
  switch (e.type) {
    case 'StockLevelSet':
      return { ...level, onHand: e.data.onHand! };
    case 'StockReserved':
      return { ...level, reserved: level.reserved + quantity };
    case 'StockReleased':
      return { ...level, reserved: level.reserved - quantity };
    case 'StockCommitted':
      return { onHand: level.onHand - quantity, reserved: level.reserved - (e.data.wasHeld ? quantity : 0) };
    case 'CancelledOrderRestocked':
    case 'StockReturned':
    case 'StockRestocked':
      return { ...level, onHand: level.onHand + quantity };
    case 'StockAdjusted':
      return { ...level, onHand: level.onHand + e.data.delta! };
    default:
      return level;
  }
};

/** Stock movements an order may make on a SKU once at most. */
const ONCE_PER_ORDER = ['StockReserved', 'StockReleased', 'StockCommitted', 'CancelledOrderRestocked'];
/** Decisions a reservation (`inventory.reservation-<orderId>`) takes once at most. */
const ONCE_PER_RESERVATION = [
  'StockReservationConfirmed',
  'StockReservationRejected',
  'StockReservationReleased',
  'StockReservationCommitted',
];

/**
 * Inventory: replaying every stock stream, on hand, reserved and available are never negative, each event's level is
 * the replay's, and `stock_levels` and the ledger (one entry per level change, with the level after it) equal the
 * replay; each order reserves, releases and commits a SKU at most once; each reservation is decided once.
 */
export const stockViolations = async (db: ServiceDatabase): Promise<string[]> => {
  const violations: string[] = [];
  const replayed = new Map<string, Level>();
  const seen = new Map<string, number>();
  for (const e of await db.rows<StockEventRow>(
    `select stream, version, type, data from es.events where stream like 'inventory.stock-%' order by stream, version`,
  )) {
    const level = replay(replayed.get(e.data.sku) ?? { onHand: 0, reserved: 0 }, e);
    replayed.set(e.data.sku, level);
    if (ONCE_PER_ORDER.includes(e.type)) {
      const key = `${e.type} of ${e.data.sku} for order ${e.data.orderId}`;
      const times = (seen.get(key) ?? 0) + 1;
      seen.set(key, times);
      if (times === 2) violations.push(`inventory: ${key} appended more than once`);
    }
    if (level.reserved < 0 || level.onHand - level.reserved < 0)
      violations.push(`inventory: ${e.stream} v${e.version}: on hand ${level.onHand}, reserved ${level.reserved}`);
    if (e.data.level && (e.data.level.onHand !== level.onHand || e.data.level.reserved !== level.reserved))
      violations.push(
        `inventory: ${e.stream} v${e.version}: the event says ${JSON.stringify(e.data.level)}, the replay ${JSON.stringify(level)}`,
      );
  }

  const projected = await db.rows<{ sku: string; on_hand: number; reserved: number; available: number }>(
    `select sku, on_hand, reserved, available from inventory.stock_levels`,
  );
  for (const p of projected) {
    const level = replayed.get(p.sku);
    if (!level || level.onHand !== p.on_hand || level.reserved !== p.reserved || p.available !== p.on_hand - p.reserved || p.available < 0)
      violations.push(`inventory: stock_levels ${p.sku} ${p.on_hand}/${p.reserved}/${p.available}, the replay ${JSON.stringify(level)}`);
  }
  if (projected.length !== replayed.size) violations.push(`inventory: stock_levels has ${projected.length} SKUs, the log ${replayed.size}`);

  for (const r of await db.rows<{ stream: string; version: number; problem: string }>(
    `select e.stream, e.version,
            case when l.sku is null then 'no ledger entry'
                 else format('ledger says %s/%s', l.on_hand, l.reserved) end as problem
       from es.events e
       left join inventory.stock_ledger l on 'inventory.stock-' || l.sku = e.stream and l.version = e.version
      where e.stream like 'inventory.stock-%' and e.type = any($1::text[])
        and (l.sku is null or l.on_hand <> (e.data->'level'->>'onHand')::int or l.reserved <> (e.data->'level'->>'reserved')::int)
     union all
     select 'inventory.stock-' || l.sku, l.version, 'a ledger entry of no level change' from inventory.stock_ledger l
      where not exists (select 1 from es.events e where e.stream = 'inventory.stock-' || l.sku and e.version = l.version
                                                    and e.type = any($1::text[]))`,
    [LEVEL_CHANGES],
  ))
    violations.push(`inventory: ${r.stream} v${r.version}: ${r.problem}`);

  for (const r of await db.rows<{ stream: string; type: string; n: string }>(
    `select stream, type, count(*) as n from es.events where stream like 'inventory.reservation-%' and type = any($1::text[])
     group by stream, type having count(*) > 1`,
    [ONCE_PER_RESERVATION],
  ))
    violations.push(`inventory: ${r.stream} has ${r.n} ${r.type}`);
  for (const r of await db.rows<{ stream: string }>(
    `select stream from es.events where stream like 'inventory.reservation-%' and type in ('StockReservationConfirmed', 'StockReservationRejected')
     group by stream having count(distinct type) > 1`,
  ))
    violations.push(`inventory: ${r.stream} was both confirmed and rejected`);
  return violations;
};

/**
 * Payment: each order's payment is authorized and captured at most once (its stream and its ledger agree), and the
 * sandbox provider never captured more than it authorized, nor kept money the ledger does not show captured.
 */
export const paymentViolations = async (db: ServiceDatabase): Promise<string[]> => {
  const violations: string[] = [];
  for (const r of await db.rows<{ stream: string; type: string; n: string }>(
    `select stream, type, count(*) as n from es.events
      where stream like 'payment.payment-%' and type in ('PaymentAuthorized', 'PaymentCaptured', 'PaymentDeclined', 'PaymentVoided')
      group by stream, type having count(*) > 1`,
  ))
    violations.push(`payment: ${r.stream} has ${r.n} ${r.type}`);
  for (const r of await db.rows<{ order_id: string; n: string }>(
    `select order_id, count(*) as n from payment.ledger where kind = 'captured' group by order_id having count(*) > 1`,
  ))
    violations.push(`payment: order ${r.order_id} captured ${r.n} times in the ledger`);
  for (const r of await db.rows<{ order_id: string; events: string; entries: string }>(
    `select coalesce(e.order_id, l.order_id) as order_id, coalesce(e.n, 0) as events, coalesce(l.n, 0) as entries
       from (select substr(stream, length('payment.payment-') + 1) as order_id, count(*) as n from es.events
              where stream like 'payment.payment-%'
                and type in ('PaymentAuthorized', 'PaymentDeclined', 'PaymentFailed', 'PaymentCaptured', 'PaymentVoided', 'PaymentRefunded')
              group by stream) e
       full join (select order_id, count(*) as n from payment.ledger group by order_id) l on l.order_id = e.order_id
      where e.n is distinct from l.n`,
  ))
    violations.push(`payment: order ${r.order_id} has ${r.events} payment events but ${r.entries} ledger entries`);
  for (const r of await db.rows<{ payment_id: string; state: string; captured: string; refunded: string; ledger_captured: string | null }>(
    `select p.payment_id, p.state, p.captured, p.refunded,
            (select sum(amount) from payment.ledger l where l.order_id = p.payment_id and l.kind = 'captured') as ledger_captured
       from payment_sandbox.payments p`,
  )) {
    const ledgerCaptured = Number(r.ledger_captured ?? 0);
    if (Number(r.captured) !== ledgerCaptured)
      violations.push(`payment: the provider captured ${r.captured} of ${r.payment_id} (${r.state}), the ledger ${ledgerCaptured}`);
  }
  return violations;
};

/** How a checkout stream may end: once, by one of these. */
const CHECKOUT_ENDS = ['CheckoutCompleted', 'CheckoutFailed'];
/** Requests a checkout sends once at most. */
const ONCE_PER_CHECKOUT = ['CheckoutStarted', 'PaymentAuthorizationRequested', 'PaymentCaptureRequested', ...CHECKOUT_ENDS];

/**
 * Ordering: every order has ended (confirmed or cancelled), its stream follows the order's rules (one decision at
 * the end of its checkout), and each checkout started once, asked for the payment once and ended once.
 */
export const orderingViolations = async (db: ServiceDatabase): Promise<string[]> => {
  const violations: string[] = [];
  const streams = new Map<string, OrderStreamEvent[]>();
  for (const r of await db.rows<{ stream: string; events: OrderStreamEvent[] }>(
    `select stream, json_agg(json_build_object('type', type, 'position', global_position::text, 'data', data) order by version) as events
       from es.events where stream like 'ordering.order-%' group by stream`,
  ))
    streams.set(r.stream.slice('ordering.order-'.length), r.events);
  for (const o of await db.rows<{ id: string; status: string }>(`select id::text as id, status from ordering.orders`)) {
    const events = streams.get(o.id) ?? [];
    const problem = streamProblem(events);
    if (o.status === 'placed') violations.push(`ordering: order ${o.id} has not ended`);
    else if (problem) violations.push(`ordering: order ${o.id} (${o.status}): ${problem}: ${events.map((e) => e.type).join()}`);
  }
  for (const r of await db.rows<{ stream: string; type: string; n: string }>(
    `select stream, type, count(*) as n from es.events where stream like 'ordering.checkout-%' and type = any($1::text[])
     group by stream, type having count(*) > 1`,
    [ONCE_PER_CHECKOUT],
  ))
    violations.push(`ordering: ${r.stream} has ${r.n} ${r.type}`);
  for (const r of await db.rows<{ stream: string }>(
    `select stream from es.events where stream like 'ordering.checkout-%' and type = any($1::text[])
     group by stream having count(distinct type) > 1`,
    [CHECKOUT_ENDS],
  ))
    violations.push(`ordering: ${r.stream} both completed and failed`);
  return violations;
};
