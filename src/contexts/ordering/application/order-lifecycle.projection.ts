import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { ORDER_LIFECYCLE_EVENT_TYPES, type OrderLifecycleEvent } from '../domain/order-lifecycle.events';

/**
 * What happens after the checkout, in the read model: a dispatch under way, shipment, delivery, a parcel coming back
 * (or delivered after all) and the refunded total on `ordering.orders`, each refund in `ordering.order_refunds`, each
 * return in `ordering.returns` (which also resolves a return id to its order). Written in the append transaction so
 * the API reads its own writes.
 */
export const orderLifecycleProjection: InlineProjection = {
  name: 'ordering.order-lifecycle',
  handles: ORDER_LIFECYCLE_EVENT_TYPES,
  async apply(tx: Sql, events: RecordedEvent[]): Promise<void> {
    for (const recorded of events) {
      if (!recorded.stream.startsWith('ordering.order-')) continue;
      await applyOne(tx, recorded as RecordedEvent<OrderLifecycleEvent>);
    }
  },
};

const applyOne = async (tx: Sql, event: RecordedEvent<OrderLifecycleEvent>): Promise<void> => {
  const at = event.metadata.occurredAt;
  switch (event.type) {
    case 'OrderDispatchRequested': {
      const { orderId, carrier, trackingNumber, requestedAt } = event.data;
      await tx.query(
        `update ordering.orders set status = 'dispatching', dispatch_carrier = $2, dispatch_tracking_number = $3,
                dispatch_requested_at = $4, updated_at = $5 where id = $1`,
        [orderId, carrier, trackingNumber, requestedAt, at],
      );
      return;
    }
    case 'OrderDispatchFailed':
      await tx.query(
        `update ordering.orders set status = case when status = 'dispatching' then 'confirmed' else status end, dispatch_carrier = null,
                dispatch_tracking_number = null, dispatch_requested_at = null, updated_at = $2 where id = $1`,
        [event.data.orderId, at],
      );
      return;
    case 'OrderShipped': {
      const { orderId, carrier, trackingNumber, shippedAt } = event.data;
      await tx.query(
        `update ordering.orders set status = 'shipped', carrier = $2, tracking_number = $3, shipped_at = $4, updated_at = $5,
                dispatch_carrier = null, dispatch_tracking_number = null, dispatch_requested_at = null where id = $1`,
        [orderId, carrier, trackingNumber, shippedAt, at],
      );
      return;
    }
    case 'ParcelInterceptionFailed':
      await tx.query(`update ordering.orders set interception_failed_at = $2, updated_at = $3 where id = $1`, [
        event.data.orderId,
        event.data.deliveredAt,
        at,
      ]);
      return;
    case 'OrderDelivered':
      await tx.query(`update ordering.orders set status = 'delivered', delivered_at = $2, updated_at = $3 where id = $1`, [
        event.data.orderId,
        event.data.deliveredAt,
        at,
      ]);
      return;
    case 'OrderParcelReturned': {
      const { orderId, reason, reportedAt } = event.data;
      await tx.query(`update ordering.orders set parcel_return = $2, parcel_returned_at = $3, updated_at = $4 where id = $1`, [
        orderId,
        reason,
        reportedAt,
        at,
      ]);
      return;
    }
    case 'RefundRequested': {
      const d = event.data;
      await tx.query(
        `insert into ordering.order_refunds (id, order_id, amount, currency, reason, note, return_id, status, requested_at)
         values ($1, $2, $3, $4, $5, $6, $7, 'requested', $8) on conflict (id) do nothing`,
        [d.refundId, d.orderId, d.amount.amount, d.amount.currency, d.reason, d.note ?? null, d.returnId ?? null, d.requestedAt],
      );
      return;
    }
    case 'OrderRefunded': {
      const d = event.data;
      await tx.query(`update ordering.order_refunds set status = 'completed', settled_at = $2 where id = $1`, [d.refundId, d.refundedAt]);
      await tx.query(
        `update ordering.orders set refunded_total = $2, status = case when $3 then 'refunded' else status end, updated_at = $4
         where id = $1`,
        [d.orderId, d.totalRefunded.amount, d.fullyRefunded, at],
      );
      return;
    }
    case 'RefundRejected': {
      const d = event.data;
      await tx.query(`update ordering.order_refunds set status = 'rejected', rejection_reason = $2, settled_at = $3 where id = $1`, [
        d.refundId,
        d.reason,
        d.rejectedAt,
      ]);
      return;
    }
    case 'ReturnRequested': {
      const d = event.data;
      await tx.query(
        `insert into ordering.returns (id, order_id, customer_id, status, lines, requested_at)
         values ($1, $2, $3, 'requested', $4, $5) on conflict (id) do nothing`,
        [d.returnId, d.orderId, d.customerId, JSON.stringify(d.lines), d.requestedAt],
      );
      return;
    }
    case 'ReturnApproved': {
      const d = event.data;
      await tx.query(`update ordering.returns set status = 'approved', refund_amount = $2, currency = $3, approved_at = $4 where id = $1`, [
        d.returnId,
        d.refund.amount,
        d.refund.currency,
        d.approvedAt,
      ]);
      return;
    }
  }
};
