import { deciderSpec } from '../../../platform/testing/decider-spec';
import { orderDecider, type OrderEvent, type OrderLine } from './order';
import type { ParcelReturnReason } from './order-lifecycle.events';

/** One order's events after its checkout, shared by the specs of its life (shipping, cancelling, parcels coming back). */
export const given = deciderSpec(orderDecider);
export const now = new Date('2026-03-01T10:00:00Z');
export const at = now.toISOString();
export const orderId = '0190f000-0000-7000-8000-000000000001';
export const customerId = 'customer-1';
export const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
export const lines: OrderLine[] = [
  { sku: 'MUG-1', productId: 'p-mug', name: 'Mug', quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' } },
  { sku: 'TEE-2', name: 'T-shirt', quantity: 1, unitPrice: { amount: 1999, currency: 'EUR' } },
];
export const total = { amount: 4989, currency: 'EUR' };
export const charges = [{ kind: 'shipping' as const, label: 'Standard', amount: { amount: 490, currency: 'EUR' } }];

export const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: { orderId, customerId, cartId: customerId, lines, charges, total, shippingAddress: address, placedAt: at },
};
export const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, customerId, total, lines, confirmedAt: at } };
export const parcel = { carrier: 'dhl', trackingNumber: 'JD0001' };
export const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId, customerId, shipmentId: 's-1', ...parcel, shippedAt: at } };
export const deliveredLines = [
  { sku: 'MUG-1', productId: 'p-mug', quantity: 2 },
  { sku: 'TEE-2', quantity: 1 },
];
export const delivered: OrderEvent = { type: 'OrderDelivered', data: { orderId, customerId, lines: deliveredLines, deliveredAt: at } };
export const cancelledBy = (reason: string, wasConfirmed: boolean, goodsWithCarrier = false): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, customerId, reason, wasConfirmed, ...(goodsWithCarrier ? { goodsWithCarrier } : {}), lines, cancelledAt: at },
});
export const refundRequested = (refundId: string, amount: number): OrderEvent => ({
  type: 'RefundRequested',
  data: { orderId, customerId, refundId, amount: { amount, currency: 'EUR' }, reason: 'cancellation', requestedAt: at },
});
export const refunded = (refundId: string, amount: number, fullyRefunded: boolean): OrderEvent => ({
  type: 'OrderRefunded',
  data: {
    orderId,
    customerId,
    refundId,
    amount: { amount, currency: 'EUR' },
    totalRefunded: { amount, currency: 'EUR' },
    reason: 'goodwill',
    fullyRefunded,
    refundedAt: at,
  },
});
export const parcelReturned = (reason: ParcelReturnReason, orderCancelled = false): OrderEvent => ({
  type: 'OrderParcelReturned',
  data: { orderId, customerId, reason, ...(orderCancelled ? { orderCancelled } : {}), reportedAt: at },
});
export const interceptionFailed = (orderCancelled: boolean): OrderEvent => ({
  type: 'ParcelInterceptionFailed',
  data: { orderId, customerId, orderCancelled, deliveredAt: at },
});
export const byStaff = { orderId, reason: 'cancelled_by_staff', by: 'staff', refundId: 'r-1', now } as const;
export const byCustomer = { orderId, reason: 'cancelled_by_customer', by: 'customer', refundId: 'r-1', now } as const;
