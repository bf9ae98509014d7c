import type { Sql } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import type { ParcelReturnReason, RefundReason, ReturnLine } from '../domain/order-lifecycle.events';

export type RefundView = {
  id: string;
  amount: Money;
  reason: RefundReason;
  note?: string;
  returnId?: string;
  status: 'requested' | 'completed' | 'rejected';
  requestedAt: string;
  /** when payment answered (refunded or rejected) */
  settledAt?: string;
};

export type ReturnView = {
  id: string;
  orderId: string;
  status: 'requested' | 'approved';
  lines: ReturnLine[];
  /** what the approval refunds */
  refund?: Money;
  requestedAt: string;
  approvedAt?: string;
};

/** What an order shows of its life after the checkout. */
export type OrderLifecycleView = {
  /** the parcel being handed to a carrier (status dispatching) */
  dispatch?: { carrier: string; trackingNumber: string; requestedAt: string };
  shipment?: { carrier: string; trackingNumber: string; shippedAt: string };
  deliveredAt?: string;
  /** the carrier reported the parcel intercepted or returned to sender (the latest report) */
  parcelReturn?: { reason: ParcelReturnReason; reportedAt: string };
  /** the carrier delivered the parcel after it had reported it intercepted */
  interceptionFailedAt?: string;
  refundedTotal: Money;
  refunds: RefundView[];
  returns: ReturnView[];
};

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const RETURN_JSON = `json_strip_nulls(json_build_object(
  'id', r.id, 'orderId', r.order_id, 'status', r.status, 'lines', r.lines,
  'refund', case when r.refund_amount is null then null else json_build_object('amount', r.refund_amount, 'currency', r.currency) end,
  'requestedAt', ${iso('r.requested_at')}, 'approvedAt', ${iso('r.approved_at')}))`;

/** Columns of `ordering.orders` (unaliased) that `lifecycleView` reads; refunds and returns come as JSON arrays. */
export const LIFECYCLE_COLUMNS = `dispatch_carrier, dispatch_tracking_number, dispatch_requested_at, carrier, tracking_number, shipped_at,
  delivered_at, parcel_return, parcel_returned_at, interception_failed_at, refunded_total,
  (select coalesce(json_agg(json_strip_nulls(json_build_object(
     'id', f.id, 'amount', json_build_object('amount', f.amount, 'currency', f.currency), 'reason', f.reason, 'note', f.note,
     'returnId', f.return_id, 'status', f.status, 'requestedAt', ${iso('f.requested_at')}, 'settledAt', ${iso('f.settled_at')}))
   order by f.requested_at, f.id), '[]') from ordering.order_refunds f where f.order_id = orders.id) as refunds,
  (select coalesce(json_agg(${RETURN_JSON} order by r.requested_at, r.id), '[]') from ordering.returns r where r.order_id = orders.id) as returns`;

export type LifecycleRow = {
  dispatch_carrier: string | null;
  dispatch_tracking_number: string | null;
  dispatch_requested_at: Date | null;
  carrier: string | null;
  tracking_number: string | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  parcel_return: ParcelReturnReason | null;
  parcel_returned_at: Date | null;
  interception_failed_at: Date | null;
  refunded_total: string;
  refunds: RefundView[];
  returns: ReturnView[];
};

export const lifecycleView = (row: LifecycleRow, currency: string): OrderLifecycleView => ({
  ...(row.dispatch_carrier && row.dispatch_tracking_number && row.dispatch_requested_at
    ? {
        dispatch: {
          carrier: row.dispatch_carrier,
          trackingNumber: row.dispatch_tracking_number,
          requestedAt: row.dispatch_requested_at.toISOString(),
        },
      }
    : {}),
  ...(row.carrier && row.tracking_number && row.shipped_at
    ? { shipment: { carrier: row.carrier, trackingNumber: row.tracking_number, shippedAt: row.shipped_at.toISOString() } }
    : {}),
  ...(row.delivered_at ? { deliveredAt: row.delivered_at.toISOString() } : {}),
  ...(row.parcel_return && row.parcel_returned_at
    ? { parcelReturn: { reason: row.parcel_return, reportedAt: row.parcel_returned_at.toISOString() } }
    : {}),
  ...(row.interception_failed_at ? { interceptionFailedAt: row.interception_failed_at.toISOString() } : {}),
  refundedTotal: { amount: Number(row.refunded_total), currency },
  refunds: row.refunds,
  returns: row.returns,
});

/** The returns of one order, oldest first. */
export const findReturns = async (db: Sql, orderId: string): Promise<ReturnView[]> => {
  const { rows } = await db.query<{ view: ReturnView }>(
    `select ${RETURN_JSON} as view from ordering.returns r where r.order_id = $1 order by r.requested_at, r.id`,
    [orderId],
  );
  return rows.map((r) => r.view);
};

/** One return and who owns it, or undefined. */
export const getReturn = async (db: Sql, returnId: string): Promise<{ customerId: string; view: ReturnView } | undefined> => {
  const { rows } = await db.query<{ customer_id: string; view: ReturnView }>(
    `select r.customer_id, ${RETURN_JSON} as view from ordering.returns r where r.id = $1`,
    [returnId],
  );
  return rows[0] && { customerId: rows[0].customer_id, view: rows[0].view };
};

/** The order a return belongs to (returns live in their order's stream). */
export const orderOfReturn = async (db: Sql, returnId: string): Promise<string | undefined> =>
  (await getReturn(db, returnId))?.view.orderId;
