import { Conflict } from '../../../shared-kernel/errors';
import type { RefundRequested } from './order-lifecycle.events';
import { OrderNotFound, refundable, type Order, type OrderCancelled, type OrderEvent } from './order';
import { may } from './order-status';

export class OrderNotCancellable extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.order_not_cancellable', `cannot cancel an order that is ${status}`, { orderId, status });
  }
}
/**
 * Goods that left are returned, not cancelled: cancelling would refund and restock units the carrier (or the
 * customer) has. Staff may cancel a shipped order only once the carrier reported its parcel intercepted or returned.
 */
export class ShippedOrderNotCancellable extends Conflict {
  constructor(orderId: string, status: string) {
    super(
      'ordering.order_shipped',
      'the order has left with the carrier: it is returned, not cancelled. Once it is delivered, the customer asks for a ' +
        `return (POST /api/v1/orders/${orderId}/returns); staff may cancel it only after the carrier reports the parcel ` +
        'intercepted or returned to sender',
      { orderId, status },
    );
  }
}
/** A placed order is cancelled by ending its checkout, not directly. */
export class CheckoutInProgress extends Conflict {
  constructor(orderId: string) {
    super('ordering.checkout_in_progress', 'the checkout of this order is still running; end it to cancel the order', { orderId });
  }
}

/** Who cancels: the checkout (it failed, or was ended on request, and compensated), or a customer or staff member. */
export type CancelledBy = { by?: 'checkout' } | { by: 'customer' | 'staff'; refundId: string };
const CANCEL_STEP = { checkout: 'failCheckout', customer: 'cancelByCustomer', staff: 'cancelByStaff' } as const;

/**
 * Cancels the order. A confirmed one was paid and its stock committed: `wasConfirmed` tells inventory to put the
 * stock back, and what is still captured is asked back from payment. A placed order is cancelled by its checkout
 * only, which undoes its own steps first; one being dispatched by nobody (its parcel is leaving). Once shipped, nobody
 * cancels (the goods are returned instead), except staff once the carrier reported the parcel intercepted or returned
 * to sender: then as a confirmed order, but an intercepted parcel not back yet keeps its stock off the shelf
 * (`goodsWithCarrier`) until the carrier returns it.
 */
export const cancel = (state: Order, cmd: { orderId: string; reason: string; now: Date } & CancelledBy): OrderEvent[] => {
  if (state.status === 'cancelled') return [];
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  const by = cmd.by ?? 'checkout';
  // goods that left are returned, not cancelled; staff may cancel once the carrier reported them coming back
  if (state.shipment && (by !== 'staff' || !state.parcelReturn)) throw new ShippedOrderNotCancellable(cmd.orderId, state.status);
  if (!may(CANCEL_STEP[by], state.status)) throw new OrderNotCancellable(cmd.orderId, state.status);
  if (state.status === 'placed' && by !== 'checkout') throw new CheckoutInProgress(cmd.orderId);
  const { orderId, reason } = cmd;
  const { customerId, lines } = state;
  const at = cmd.now.toISOString();
  const wasConfirmed = state.status !== 'placed';
  const goodsWithCarrier = state.parcelReturn === 'intercepted';
  const cancelled: OrderCancelled = {
    type: 'OrderCancelled',
    data: { orderId, customerId, reason, wasConfirmed, ...(goodsWithCarrier ? { goodsWithCarrier } : {}), lines, cancelledAt: at },
  };
  const amount = refundable(state);
  if (!('refundId' in cmd) || amount <= 0) return [cancelled];
  const refund: RefundRequested = {
    type: 'RefundRequested',
    data: {
      orderId,
      customerId,
      refundId: cmd.refundId,
      amount: { amount, currency: state.total.currency },
      reason: 'cancellation',
      requestedAt: at,
    },
  };
  return [cancelled, refund];
};
