import { LEVEL_CHANGES } from '../../src/contexts/inventory/domain/stock';
import type { ServiceDatabase, ServiceDatabases } from './service-databases';

/**
 * What the checkout's services owe one another across their databases, once the system is quiet: every message of
 * the checkout's path was applied exactly once by its subscriber in the receiving service (one inbox row there, keyed
 * by the event id the message id derives from), the catalog holds inventory's newest stock levels, and each order's
 * outcome in ordering matches its stock in inventory and its money in payment.
 */

export type CheckoutDatabases = ServiceDatabases<'ordering' | 'inventory' | 'payment' | 'catalog'>;

type Delivery = {
  from: 'ordering' | 'inventory' | 'payment';
  types: readonly string[];
  to: 'ordering' | 'inventory' | 'payment';
  subscriber: string;
};

/**
 * The messages of the checkout's path, by the events they are made from; commands a handler may find already
 * answered (void, refund) are left out, as in `deliveryViolations` of the monolith.
 */
const CHECKOUT_DELIVERIES: readonly Delivery[] = [
  {
    from: 'ordering',
    types: ['CheckoutStarted', 'StockReservationRequested', 'StockReleaseRequested'],
    to: 'inventory',
    subscriber: 'inventory.commands',
  },
  { from: 'ordering', types: ['PaymentAuthorizationRequested', 'PaymentCaptureRequested'], to: 'payment', subscriber: 'payment.commands' },
  { from: 'ordering', types: ['OrderConfirmed', 'OrderCancelled'], to: 'inventory', subscriber: 'inventory.order-events' },
  { from: 'inventory', types: ['StockReservationConfirmed', 'StockReservationRejected'], to: 'ordering', subscriber: 'ordering.checkout' },
  {
    from: 'payment',
    types: ['PaymentAuthorized', 'PaymentDeclined', 'PaymentFailed', 'PaymentCaptured', 'PaymentVoided'],
    to: 'ordering',
    subscriber: 'ordering.checkout',
  },
];

/** One line per message of the checkout's path that its subscriber applied other than exactly once. */
export const checkoutDeliveryViolations = async (dbs: CheckoutDatabases): Promise<string[]> => {
  const violations: string[] = [];
  for (const { from, types, to, subscriber } of CHECKOUT_DELIVERIES) {
    const sent = await dbs[from].rows<{ event_id: string; type: string; stream: string }>(
      // an older CheckoutStarted asked for no stock (a StockReservationRequested followed it): it is no message
      `select event_id::text as event_id, type, stream from es.events
        where type = any($1::text[]) and (type <> 'CheckoutStarted' or (data->>'requestsStock')::boolean)`,
      [types],
    );
    if (sent.length === 0) continue;
    const applied = new Map(
      (
        await dbs[to].rows<{ message_id: string; n: string }>(
          `select message_id, count(*) as n from messaging.inbox where subscriber = $1 and message_id = any($2::text[]) group by message_id`,
          [subscriber, sent.map((e) => e.event_id)],
        )
      ).map((r) => [r.message_id, Number(r.n)]),
    );
    for (const e of sent) {
      const times = applied.get(e.event_id) ?? 0;
      if (times !== 1) violations.push(`${from} ${e.type} ${e.event_id} (${e.stream}) applied ${times} times by ${to}'s ${subscriber}`);
    }
  }
  return violations;
};

/**
 * The catalog keeps no inbox for stock levels (a copy is idempotent by its version): it has applied them all when its
 * copy of every SKU is at the version of the SKU's newest level change in inventory, with the quantity inventory holds.
 */
export const catalogCopyViolations = async (inventory: ServiceDatabase, catalog: ServiceDatabase): Promise<string[]> => {
  const newest = await inventory.rows<{ sku: string; version: number; available: number }>(
    `select n.sku, n.version, greatest(0, s.on_hand - s.reserved) as available
       from (select substr(stream, length('inventory.stock-') + 1) as sku, max(version) as version from es.events
              where stream like 'inventory.stock-%' and type = any($1::text[]) group by stream) n
       join inventory.stock_levels s on s.sku = n.sku`,
    [LEVEL_CHANGES],
  );
  const copies = new Map(
    (
      await catalog.rows<{ sku: string; version: number; available: number }>(
        `select sku, version, available from catalog.product_availability where sku = any($1::text[])`,
        [newest.map((r) => r.sku)],
      )
    ).map((r) => [r.sku, r]),
  );
  return newest.flatMap(({ sku, version, available }) => {
    const copy = copies.get(sku);
    return copy?.version === version && copy.available === available
      ? []
      : [
          `catalog shows ${copy?.available ?? 'nothing'} of ${sku} at version ${copy?.version ?? 'none'}: inventory has ${available} at ${version}`,
        ];
  });
};

type OrderRow = { id: string; status: string; total: string; lines: { sku: string; quantity: number }[] };

const summed = (entries: readonly { sku: string; quantity: number }[]): string => {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of entries) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([sku, quantity]) => `${sku}×${quantity}`)
    .join(',');
};

/**
 * Each order's outcome across the three services: a confirmed order has its lines committed once in inventory (no
 * hold left) and its total captured once, by payment and at the provider, nothing refunded; a cancelled one holds no
 * stock and keeps no money; no stock and no payment belong to an order ordering does not know.
 */
export const orderOutcomeViolations = async (dbs: CheckoutDatabases): Promise<string[]> => {
  const violations: string[] = [];
  const orders = await dbs.ordering.rows<OrderRow>(`select id::text as id, status, total, lines from ordering.orders`);
  const holds = await dbs.inventory.rows<{ order_id: string; sku: string; quantity: number; status: string }>(
    `select order_id, sku, quantity, status from inventory.stock_reservations`,
  );
  const committed = await dbs.inventory.rows<{ order_id: string; sku: string; quantity: number }>(
    `select data->>'orderId' as order_id, data->>'sku' as sku, (data->>'quantity')::int as quantity from es.events where type = 'StockCommitted'`,
  );
  const money = await dbs.payment.rows<{ order_id: string; captured: string; refunded: string; captures: string }>(
    `select order_id, coalesce(sum(amount) filter (where kind = 'captured'), 0) as captured,
            coalesce(sum(amount) filter (where kind = 'refunded'), 0) as refunded, count(*) filter (where kind = 'captured') as captures
       from payment.ledger group by order_id`,
  );
  const provider = await dbs.payment.rows<{ payment_id: string; captured: string; refunded: string }>(
    `select payment_id, captured, refunded from payment_sandbox.payments`,
  );
  const byOrder =
    <T extends { order_id: string }>(rows: T[]) =>
    (id: string) =>
      rows.filter((r) => r.order_id === id);
  const holdsOf = byOrder(holds);
  const commitsOf = byOrder(committed);
  const paymentOf = (id: string) => money.find((r) => r.order_id === id);
  const providerOf = (id: string) => provider.find((r) => r.payment_id === id);

  for (const o of orders) {
    const lines = summed(o.lines);
    const held = holdsOf(o.id).filter((h) => h.status === 'held' || h.status === 'committed');
    const payment = paymentOf(o.id);
    const atProvider = providerOf(o.id);
    const kept = Number(payment?.captured ?? 0) - Number(payment?.refunded ?? 0);
    const keptAtProvider = Number(atProvider?.captured ?? 0) - Number(atProvider?.refunded ?? 0);
    if (o.status === 'confirmed') {
      if (summed(commitsOf(o.id)) !== lines) violations.push(`order ${o.id} (confirmed, ${lines}) committed [${summed(commitsOf(o.id))}]`);
      if (held.some((h) => h.status !== 'committed')) violations.push(`order ${o.id} (confirmed) still holds stock`);
      if (Number(payment?.captures ?? 0) !== 1 || kept !== Number(o.total) || keptAtProvider !== Number(o.total))
        violations.push(
          `order ${o.id} (confirmed, total ${o.total}): ledger ${JSON.stringify(payment)}, provider ${JSON.stringify(atProvider)}`,
        );
    } else if (o.status === 'cancelled') {
      if (held.length > 0) violations.push(`order ${o.id} (cancelled) holds stock [${summed(held)}]`);
      if (kept !== 0 || keptAtProvider !== 0)
        violations.push(`cancelled order ${o.id} keeps money: ledger ${kept}, provider ${keptAtProvider}`);
    } else violations.push(`order ${o.id} is ${o.status}`);
  }
  const known = new Set(orders.map((o) => o.id));
  for (const id of new Set(holds.map((h) => h.order_id)))
    if (!known.has(id)) violations.push(`inventory holds stock for unknown order ${id}`);
  for (const id of new Set([...money.map((m) => m.order_id), ...provider.map((p) => p.payment_id)]))
    if (!known.has(id)) violations.push(`payment holds a payment of unknown order ${id}`);
  return violations;
};
