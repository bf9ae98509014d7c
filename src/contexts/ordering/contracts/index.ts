/**
 * Ordering's public contract: the integration events it publishes. Wire names are versioned; consumers must
 * tolerate extra fields. The checkout process sends its commands in the receiving context's contract
 * (`inventory.reserve-stock.v1`, `payment.authorize-payment.v1`, …).
 */
import type { Money } from '../../../shared-kernel/money';
import type { PostalAddress } from '../../../shared-kernel/postal-address';
import type { ParcelReturnReason } from '../../shipping/contracts';

export const OrderingMessages = {
  orderPlaced: 'ordering.order-placed.v1',
  orderConfirmed: 'ordering.order-confirmed.v1',
  orderCancelled: 'ordering.order-cancelled.v1',
  orderShipped: 'ordering.order-shipped.v1',
  orderDelivered: 'ordering.order-delivered.v1',
  orderParcelReturned: 'ordering.order-parcel-returned.v1',
  orderRefunded: 'ordering.order-refunded.v1',
  returnRequested: 'ordering.return-requested.v1',
  returnApproved: 'ordering.return-approved.v1',
} as const;

/** `productId` is absent on orders placed before variants existed. */
export type OrderLineV1 = { sku: string; productId?: string; name: string; quantity: number; unitPrice: Money };

/** What the order adds to or takes from its lines: shipping, tax and discounts (negative amounts). */
export type OrderChargeV1 = { kind: 'shipping' | 'tax' | 'discount'; label: string; amount: Money };

/** A customer placed an order from their cart (`cartId` is the customer's user id); its checkout has started. */
export type OrderPlacedV1 = {
  orderId: string;
  customerId: string;
  cartId: string;
  lines: OrderLineV1[];
  /** Added with checkout pricing; absent on older orders. */
  charges?: OrderChargeV1[];
  couponCode?: string;
  shippingMethod?: string;
  shippingAddress?: PostalAddress;
  total: Money;
};

/** Stock is reserved and the payment captured: the order will be fulfilled. */
export type OrderConfirmedV1 = { orderId: string; customerId: string; total: Money; lines?: OrderLineV1[] };

/**
 * The order will not be fulfilled. `reason`: out_of_stock, payment_declined, payment_failed, timeout (the checkout
 * failed and was compensated), cancelled_by_customer, cancelled_by_staff (more may be added; treat unknown ones as
 * opaque). `wasConfirmed`: the order had been paid and its stock committed, so stock goes back on hand and the
 * captured amount is refunded (`ordering.order-refunded.v1` follows). `goodsWithCarrier` (added later; absent means
 * false): the order had shipped and its parcel was intercepted but is not back yet, so its stock goes back on hand
 * only once `ordering.order-parcel-returned.v1` says it was returned to sender (never, if the interception fails).
 */
export type OrderCancelledV1 = {
  orderId: string;
  customerId: string;
  reason: string;
  wasConfirmed?: boolean;
  goodsWithCarrier?: boolean;
  lines?: OrderLineV1[];
};

/** Handed to a carrier. */
export type OrderShippedV1 = { orderId: string; customerId: string; carrier: string; trackingNumber: string; shippedAt: string };

/** The customer has the goods (staff said so, or the carrier's tracking did). */
export type OrderDeliveredV1 = {
  orderId: string;
  customerId: string;
  lines: { sku: string; productId?: string; quantity: number }[];
  deliveredAt: string;
};

/**
 * The carrier reported the shipped parcel `intercepted` (on its way back) or `returned_to_sender` (back at the shop).
 * `orderCancelled`: the order was cancelled while the parcel was on its way back (`goodsWithCarrier`); with
 * `returned_to_sender` its goods are back now, and its stock goes back on hand.
 */
export type OrderParcelReturnedV1 = {
  orderId: string;
  customerId: string;
  reason: ParcelReturnReason;
  orderCancelled: boolean;
  reportedAt: string;
};

/** Money went back to the customer (`amount` this time, `totalRefunded` so far); `reason`: cancellation, return, goodwill. */
export type OrderRefundedV1 = {
  orderId: string;
  customerId: string;
  refundId: string;
  amount: Money;
  totalRefunded: Money;
  reason: string;
};

export type ReturnLineV1 = { sku: string; quantity: number };

/** A customer asked to send back lines of a delivered order. */
export type ReturnRequestedV1 = { returnId: string; orderId: string; customerId: string; lines: ReturnLineV1[] };

/** Staff accepted the return: the lines go back on hand (inventory) and `refund` is paid back. */
export type ReturnApprovedV1 = { returnId: string; orderId: string; customerId: string; lines: ReturnLineV1[]; refund: Money };
