import type { Money } from '../../../shared-kernel/money';

// What happens to an order after its checkout, in the order's stream. Dates are ISO-8601 strings.

export type ReturnLine = { sku: string; quantity: number };
export type DeliveredLine = { sku: string; productId?: string; quantity: number };
/** cancellation: a confirmed order was cancelled; return: a return was approved; goodwill: staff gave money back. */
export type RefundReason = 'cancellation' | 'return' | 'goodwill';

export type OrderShipped = {
  type: 'OrderShipped';
  data: { orderId: string; customerId: string; shipmentId: string; carrier: string; trackingNumber: string; shippedAt: string };
};
export type OrderDelivered = {
  type: 'OrderDelivered';
  data: { orderId: string; customerId: string; lines: DeliveredLine[]; deliveredAt: string };
};
/** Why a shipped parcel is not reaching the customer, as the carrier reported it. */
export type ParcelReturnReason = 'intercepted' | 'returned_to_sender';
/**
 * The carrier reported the parcel intercepted (on its way back) or returned to sender (back at the shop): the goods
 * will not reach the customer, so staff may cancel the shipped order. An interception may be followed by the return.
 */
export type OrderParcelReturned = {
  type: 'OrderParcelReturned';
  data: { orderId: string; customerId: string; reason: ParcelReturnReason; reportedAt: string };
};
/** Payment is asked to refund `amount`; it stays reserved against the capture until payment answers. */
export type RefundRequested = {
  type: 'RefundRequested';
  data: {
    orderId: string;
    customerId: string;
    refundId: string;
    amount: Money;
    reason: RefundReason;
    note?: string;
    returnId?: string;
    requestedAt: string;
  };
};
/** Payment gave the money back; `fullyRefunded`: everything captured has now been refunded. */
export type OrderRefunded = {
  type: 'OrderRefunded';
  data: {
    orderId: string;
    customerId: string;
    refundId: string;
    amount: Money;
    totalRefunded: Money;
    reason: RefundReason;
    fullyRefunded: boolean;
    refundedAt: string;
  };
};
/** Payment refused the refund (e.g. more than is left of the capture): its amount is free again. */
export type RefundRejected = { type: 'RefundRejected'; data: { orderId: string; refundId: string; reason: string; rejectedAt: string } };
export type ReturnRequested = {
  type: 'ReturnRequested';
  data: { orderId: string; customerId: string; returnId: string; lines: ReturnLine[]; requestedAt: string };
};
/** Staff accepted the return: its lines go back on hand and `refund` is asked of payment (0 when nothing is left). */
export type ReturnApproved = {
  type: 'ReturnApproved';
  data: { orderId: string; customerId: string; returnId: string; lines: ReturnLine[]; refund: Money; approvedAt: string };
};

export type OrderLifecycleEvent =
  OrderShipped | OrderDelivered | OrderParcelReturned | RefundRequested | OrderRefunded | RefundRejected | ReturnRequested | ReturnApproved;

export const ORDER_LIFECYCLE_EVENT_TYPES = [
  'OrderShipped',
  'OrderDelivered',
  'OrderParcelReturned',
  'RefundRequested',
  'OrderRefunded',
  'RefundRejected',
  'ReturnRequested',
  'ReturnApproved',
] as const satisfies readonly OrderLifecycleEvent['type'][];
