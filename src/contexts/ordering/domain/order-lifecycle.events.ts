import type { Money } from '../../../shared-kernel/money';

// What happens to an order after its checkout, in the order's stream. Dates are ISO-8601 strings.

export type ReturnLine = { sku: string; quantity: number };
export type DeliveredLine = { sku: string; productId?: string; quantity: number };
/** cancellation: a confirmed order was cancelled; return: a return was approved; goodwill: staff gave money back. */
export type RefundReason = 'cancellation' | 'return' | 'goodwill';

/**
 * Staff asked to hand the order to this carrier under this tracking number: shipping is registering the parcel. The
 * order is dispatching until it is shipped or the dispatch failed; meanwhile nobody cancels it (goods are leaving).
 */
export type OrderDispatchRequested = {
  type: 'OrderDispatchRequested';
  data: { orderId: string; customerId: string; carrier: string; trackingNumber: string; requestedAt: string };
};
/** Shipping refused the dispatch (`code`: its error, e.g. an unknown carrier): nothing left, the order may move on. */
export type OrderDispatchFailed = {
  type: 'OrderDispatchFailed';
  data: { orderId: string; carrier: string; trackingNumber: string; code: string; failedAt: string };
};
export type OrderShipped = {
  type: 'OrderShipped';
  data: { orderId: string; customerId: string; shipmentId: string; carrier: string; trackingNumber: string; shippedAt: string };
};
export type OrderDelivered = {
  type: 'OrderDelivered';
  data: { orderId: string; customerId: string; lines: DeliveredLine[]; deliveredAt: string };
};
/**
 * Why a shipped parcel is not reaching the customer, in the carrier's words: shipping's PARCEL_RETURN_REASONS. The
 * domain imports no contract, so the compiler keeps the two equal instead: the subscriber passes parsed contract values
 * in, and the translator passes these out as the contract's type.
 */
export type ParcelReturnReason = 'intercepted' | 'returned_to_sender';
/**
 * The carrier reported the parcel intercepted (on its way back) or returned to sender (back at the shop): the goods
 * will not reach the customer, so staff may cancel the shipped order. An interception may be followed by the return.
 * `orderCancelled` (absent: false): the order was cancelled while its parcel was on the way back (`goodsWithCarrier`),
 * so with `returned_to_sender` its goods are back now and its stock goes back on hand.
 */
export type OrderParcelReturned = {
  type: 'OrderParcelReturned';
  data: { orderId: string; customerId: string; reason: ParcelReturnReason; orderCancelled?: boolean; reportedAt: string };
};
/**
 * The carrier delivered the parcel it had reported intercepted: the customer has the goods. `orderCancelled`: the
 * order had been cancelled (and its capture asked back) meanwhile; its stock stays off the shelf and staff settle with
 * the customer. Otherwise the order is delivered with it.
 */
export type ParcelInterceptionFailed = {
  type: 'ParcelInterceptionFailed';
  data: { orderId: string; customerId: string; orderCancelled: boolean; deliveredAt: string };
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
  | OrderDispatchRequested
  | OrderDispatchFailed
  | OrderShipped
  | OrderDelivered
  | OrderParcelReturned
  | ParcelInterceptionFailed
  | RefundRequested
  | OrderRefunded
  | RefundRejected
  | ReturnRequested
  | ReturnApproved;

export const ORDER_LIFECYCLE_EVENT_TYPES = [
  'OrderDispatchRequested',
  'OrderDispatchFailed',
  'OrderShipped',
  'OrderDelivered',
  'OrderParcelReturned',
  'ParcelInterceptionFailed',
  'RefundRequested',
  'OrderRefunded',
  'RefundRejected',
  'ReturnRequested',
  'ReturnApproved',
] as const satisfies readonly OrderLifecycleEvent['type'][];
