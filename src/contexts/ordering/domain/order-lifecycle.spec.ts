import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { CheckoutInProgress, cancel, OrderNotCancellable, OrderNotFound, orderDecider, type OrderEvent, type OrderLine } from './order';
import { deliver, OrderAlreadyShipped, OrderNotDeliverable, OrderNotShippable, ship } from './order-fulfilment';
import { may, ORDER_STATUSES, STEPS } from './order-status';

const given = deciderSpec(orderDecider);
const now = new Date('2026-03-01T10:00:00Z');
const at = now.toISOString();
const orderId = '0190f000-0000-7000-8000-000000000001';
const customerId = 'customer-1';
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const lines: OrderLine[] = [
  { sku: 'MUG-1', productId: 'p-mug', name: 'Mug', quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' } },
  { sku: 'TEE-2', name: 'T-shirt', quantity: 1, unitPrice: { amount: 1999, currency: 'EUR' } },
];
const total = { amount: 4989, currency: 'EUR' };
const charges = [{ kind: 'shipping' as const, label: 'Standard', amount: { amount: 490, currency: 'EUR' } }];

const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: { orderId, customerId, cartId: customerId, lines, charges, total, shippingAddress: address, placedAt: at },
};
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, customerId, total, lines, confirmedAt: at } };
const parcel = { carrier: 'dhl', trackingNumber: 'JD0001' };
const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId, customerId, shipmentId: 's-1', ...parcel, shippedAt: at } };
const deliveredLines = [
  { sku: 'MUG-1', productId: 'p-mug', quantity: 2 },
  { sku: 'TEE-2', quantity: 1 },
];
const delivered: OrderEvent = { type: 'OrderDelivered', data: { orderId, customerId, lines: deliveredLines, deliveredAt: at } };
const cancelledBy = (reason: string, wasConfirmed: boolean): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, customerId, reason, wasConfirmed, lines, cancelledAt: at },
});
const refundRequested = (refundId: string, amount: number): OrderEvent => ({
  type: 'RefundRequested',
  data: { orderId, customerId, refundId, amount: { amount, currency: 'EUR' }, reason: 'cancellation', requestedAt: at },
});

describe('order lifecycle', () => {
  describe('the state machine', () => {
    it('names only known statuses, and nothing leaves a refunded order but an approval of a pending return', () => {
      for (const from of Object.values(STEPS).flat()) expect(ORDER_STATUSES).toContain(from);
      const leavingRefunded = Object.entries(STEPS).filter(([, from]) => (from as readonly string[]).includes('refunded'));
      expect(leavingRefunded.map(([step]) => step)).toEqual(['approveReturn']);
    });
    it('a customer may cancel until the order ships; staff until it is delivered', () => {
      expect(ORDER_STATUSES.filter((s) => may('cancelByCustomer', s))).toEqual(['placed', 'confirmed']);
      expect(ORDER_STATUSES.filter((s) => may('cancelByStaff', s))).toEqual(['placed', 'confirmed', 'shipped']);
    });
  });

  describe('cancel', () => {
    it('a confirmed order: cancelled (wasConfirmed) and what was captured is asked back', () =>
      given([placed, confirmed])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_customer', by: 'customer', refundId: 'r-1', now }))
        .then([cancelledBy('cancelled_by_customer', true), refundRequested('r-1', total.amount)]));
    it('staff may cancel a shipped order; only what is not refunded yet is asked back', () =>
      given([placed, confirmed, refundRequested('r-0', 1000), shipped])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_staff', by: 'staff', refundId: 'r-1', now }))
        .then([cancelledBy('cancelled_by_staff', true), refundRequested('r-1', total.amount - 1000)]));
    it('a customer may not cancel a shipped order', () =>
      given([placed, confirmed, shipped])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_customer', by: 'customer', refundId: 'r-1', now }))
        .thenThrows(OrderNotCancellable, 'ordering.order_not_cancellable'));
    it('nobody cancels a delivered order', () =>
      given([placed, confirmed, shipped, delivered])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_staff', by: 'staff', refundId: 'r-1', now }))
        .thenThrows(OrderNotCancellable));
    it('a placed order is cancelled by ending its checkout, not directly', () =>
      given([placed])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_customer', by: 'customer', refundId: 'r-1', now }))
        .thenThrows(CheckoutInProgress, 'ordering.checkout_in_progress'));
    it('the checkout cancels a placed order without a refund (it compensates itself)', () =>
      given([placed])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_customer', now }))
        .then([cancelledBy('cancelled_by_customer', false)]));
    it('cancelling twice is a no-op', () =>
      given([placed, confirmed, cancelledBy('cancelled_by_customer', true)])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_staff', by: 'staff', refundId: 'r-2', now }))
        .then([]));
    it('an unknown order', () =>
      given([])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_staff', by: 'staff', refundId: 'r-2', now }))
        .thenThrows(OrderNotFound));
  });

  describe('ship', () => {
    const cmd = { orderId, shipmentId: 's-1', ...parcel, now };
    it('ships a confirmed order', () =>
      given([placed, confirmed])
        .when((s) => ship(s, cmd))
        .then([shipped]));
    it('shipping again with the same parcel is a no-op; with another one it is refused', () => {
      given([placed, confirmed, shipped])
        .when((s) => ship(s, cmd))
        .then([]);
      given([placed, confirmed, shipped])
        .when((s) => ship(s, { ...cmd, trackingNumber: 'OTHER' }))
        .thenThrows(OrderAlreadyShipped, 'ordering.order_already_shipped');
    });
    it('refuses an order that is not paid, or cancelled', () => {
      given([placed])
        .when((s) => ship(s, cmd))
        .thenThrows(OrderNotShippable, 'ordering.order_not_shippable');
      given([placed, confirmed, cancelledBy('cancelled_by_customer', true)])
        .when((s) => ship(s, cmd))
        .thenThrows(OrderNotShippable);
    });
  });

  describe('deliver', () => {
    it('delivers a shipped order with its lines', () =>
      given([placed, confirmed, shipped])
        .when((s) => deliver(s, { orderId, now }))
        .then([delivered]));
    it('a second report (staff, then the carrier) is a no-op', () =>
      given([placed, confirmed, shipped, delivered])
        .when((s) => deliver(s, { orderId, now }))
        .then([]));
    it('refuses an order that was not shipped', () =>
      given([placed, confirmed])
        .when((s) => deliver(s, { orderId, now }))
        .thenThrows(OrderNotDeliverable, 'ordering.order_not_deliverable'));
  });

  it('folds shipment and delivery into the state', () =>
    given([placed, confirmed, shipped, delivered]).thenState({
      status: 'delivered',
      customerId,
      lines,
      charges,
      total,
      captured: total.amount,
      refunds: {},
      returns: {},
      shipment: parcel,
    }));
});
