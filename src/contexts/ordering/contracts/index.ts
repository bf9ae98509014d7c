/**
 * Ordering's public contract: the integration events it publishes. Wire names are versioned; consumers must
 * tolerate extra fields. The checkout process sends its commands in the receiving context's contract
 * (`inventory.reserve-stock.v1`, `payment.authorize-payment.v1`, …).
 */
import type { Money } from '../../../shared-kernel/money';

export const OrderingMessages = {
  orderPlaced: 'ordering.order-placed.v1',
  orderConfirmed: 'ordering.order-confirmed.v1',
  orderCancelled: 'ordering.order-cancelled.v1',
} as const;

export type OrderLineV1 = { sku: string; name: string; quantity: number; unitPrice: Money };

/** A customer placed an order from their cart (`cartId` is the customer's user id); its checkout has started. */
export type OrderPlacedV1 = { orderId: string; customerId: string; cartId: string; lines: OrderLineV1[]; total: Money };

/** Stock is reserved and the payment captured: the order will be fulfilled. */
export type OrderConfirmedV1 = { orderId: string; customerId: string; total: Money };

/** The checkout failed and was compensated (stock released, payment voided or refunded). */
/** `reason`: out_of_stock, payment_declined, payment_failed or timeout (more may be added; treat unknown ones as opaque). */
export type OrderCancelledV1 = { orderId: string; customerId: string; reason: string };
