import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { isUuid } from '../../../shared-kernel/ids';
import { sum, times, type Money } from '../../../shared-kernel/money';
import { ORDER_EVENT_TYPES, type OrderEvent, type OrderLine, type ShippingAddress } from '../domain/order';
import type { OrderCharge } from '../domain/pricing';
import type { OrderStatus } from '../domain/order-status';
import { LIFECYCLE_COLUMNS, lifecycleView, type LifecycleRow, type OrderLifecycleView } from './order-lifecycle.views';

/** The read model `ordering.orders`, written in the append transaction so the API reads its own writes. */
export const ordersProjection: InlineProjection = {
  name: 'ordering.orders',
  handles: ORDER_EVENT_TYPES,
  async apply(tx: Sql, events: RecordedEvent[]): Promise<void> {
    for (const recorded of events) {
      if (!recorded.stream.startsWith('ordering.order-')) continue;
      const event = recorded as RecordedEvent<OrderEvent>;
      const at = event.metadata.occurredAt;
      switch (event.type) {
        case 'OrderPlaced': {
          const d = event.data;
          await tx.query(
            `insert into ordering.orders (id, customer_id, status, lines, total, currency, shipping_address, placed_at, updated_at,
                                          charges, coupon_code, shipping_method)
             values ($1, $2, 'placed', $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (id) do nothing`,
            [
              d.orderId,
              d.customerId,
              JSON.stringify(d.lines),
              d.total.amount,
              d.total.currency,
              JSON.stringify(d.shippingAddress),
              d.placedAt,
              at,
              JSON.stringify(d.charges ?? []),
              d.couponCode ?? null,
              d.shippingMethod ?? null,
            ],
          );
          break;
        }
        case 'OrderConfirmed':
          await tx.query(`update ordering.orders set status = 'confirmed', updated_at = $2 where id = $1`, [event.data.orderId, at]);
          break;
        case 'OrderCancelled':
          await tx.query(`update ordering.orders set status = 'cancelled', cancellation_reason = $2, updated_at = $3 where id = $1`, [
            event.data.orderId,
            event.data.reason,
            at,
          ]);
          break;
      }
    }
  },
};

export type OrderView = {
  id: string;
  status: OrderStatus;
  lines: OrderLine[];
  /** shipping, discount (negative) and tax, added to the lines' subtotal */
  charges: OrderCharge[];
  subtotal: Money;
  total: Money;
  couponCode?: string;
  shippingMethod?: string;
  shippingAddress: ShippingAddress;
  cancellationReason?: string;
  placedAt: string;
} & OrderLifecycleView;

type OrderRow = {
  id: string;
  customer_id: string;
  status: OrderView['status'];
  lines: OrderLine[];
  total: string;
  currency: string;
  shipping_address: ShippingAddress;
  cancellation_reason: string | null;
  placed_at: Date;
  charges: OrderCharge[];
  coupon_code: string | null;
  shipping_method: string | null;
} & LifecycleRow;

const COLUMNS =
  'id, customer_id, status, lines, total, currency, shipping_address, cancellation_reason, placed_at, charges, coupon_code, shipping_method';

const toView = (row: OrderRow): OrderView => ({
  id: row.id,
  status: row.status,
  lines: row.lines,
  charges: row.charges,
  subtotal: sum(
    row.lines.map((l) => times(l.unitPrice, l.quantity)),
    row.currency,
  ),
  total: { amount: Number(row.total), currency: row.currency },
  ...(row.coupon_code !== null ? { couponCode: row.coupon_code } : {}),
  ...(row.shipping_method !== null ? { shippingMethod: row.shipping_method } : {}),
  shippingAddress: row.shipping_address,
  ...(row.cancellation_reason ? { cancellationReason: row.cancellation_reason } : {}),
  placedAt: row.placed_at.toISOString(),
  ...lifecycleView(row, row.currency),
});

/** One order and who owns it (callers check ownership), or undefined. */
export const getOrder = async (db: Sql, orderId: string): Promise<{ customerId: string; order: OrderView } | undefined> => {
  const { rows } = await db.query<OrderRow>(`select ${COLUMNS}, ${LIFECYCLE_COLUMNS} from ordering.orders where id = $1`, [orderId]);
  return rows[0] && { customerId: rows[0].customer_id, order: toView(rows[0]) };
};

export type OrderPage = { items: OrderView[]; nextCursor: string | null };

const encodeCursor = (row: OrderRow): string => Buffer.from(JSON.stringify([row.placed_at.toISOString(), row.id])).toString('base64url');

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The position a cursor points after, or undefined when it is not one of ours. */
export const decodeCursor = (cursor: string): { placedAt: string; id: string } | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [placedAt, id] = value as unknown[];
    if (typeof placedAt !== 'string' || typeof id !== 'string' || !isUuid(id)) return undefined;
    // exactly the form encodeCursor writes: Date.parse accepts strings ('1') that PostgreSQL's timestamptz refuses
    if (!ISO_INSTANT.test(placedAt) || Number.isNaN(Date.parse(placedAt))) return undefined;
    return { placedAt, id };
  } catch {
    return undefined;
  }
};

/** Which orders a list shows: a customer's own, or what staff filter on (placed at: from inclusive, to exclusive). */
export type OrderFilter = { customerId?: string; status?: OrderStatus; placedFrom?: string; placedTo?: string };

/** Orders matching `filter`, newest first, keyset-paginated on (placed_at, id). */
export const findOrders = async (
  db: Sql,
  filter: OrderFilter,
  page: { limit: number; after?: { placedAt: string; id: string } },
): Promise<OrderPage> => {
  const params: unknown[] = [page.limit + 1];
  const param = (value: unknown): string => `$${params.push(value)}`;
  const where: string[] = [];
  if (filter.customerId !== undefined) where.push(`customer_id = ${param(filter.customerId)}`);
  if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
  if (filter.placedFrom !== undefined) where.push(`placed_at >= ${param(filter.placedFrom)}`);
  if (filter.placedTo !== undefined) where.push(`placed_at < ${param(filter.placedTo)}`);
  if (page.after) where.push(`(placed_at, id) < (${param(page.after.placedAt)}, ${param(page.after.id)})`);
  const { rows } = await db.query<OrderRow>(
    `select ${COLUMNS}, ${LIFECYCLE_COLUMNS} from ordering.orders ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
     order by placed_at desc, id desc limit $1`,
    params,
  );
  const items = rows.slice(0, page.limit);
  return { items: items.map(toView), nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1]) : null };
};
