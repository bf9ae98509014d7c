import { describe, expect, it } from 'vitest';
import { OrderNotFound } from './order';
import { CheckoutInProgress, cancel, OrderNotCancellable, ShippedOrderNotCancellable } from './order-cancellation';
import { deliver, OrderAlreadyShipped, OrderNotDeliverable, OrderNotShippable, ship } from './order-fulfilment';
import { may, ORDER_STATUSES, STEPS } from './order-status';
import {
  given,
  now,
  orderId,
  customerId,
  lines,
  total,
  charges,
  placed,
  confirmed,
  parcel,
  shipped,
  delivered,
  cancelledBy,
  refundRequested,
  refunded,
  parcelReturned,
  byStaff,
  byCustomer,
} from './order-lifecycle.fixtures';

describe('order lifecycle', () => {
  describe('the state machine', () => {
    it('names only known statuses, and nothing leaves a refunded order but an approval of a pending return', () => {
      for (const from of Object.values(STEPS).flat()) expect(ORDER_STATUSES).toContain(from);
      const leavingRefunded = Object.entries(STEPS).filter(([, from]) => (from as readonly string[]).includes('refunded'));
      expect(leavingRefunded.map(([step]) => step)).toEqual(['approveReturn']);
    });
    it('a customer may cancel until the order ships; staff also a shipped one (when its parcel comes back, see cancel)', () => {
      expect(ORDER_STATUSES.filter((s) => may('cancelByCustomer', s))).toEqual(['placed', 'confirmed']);
      expect(ORDER_STATUSES.filter((s) => may('cancelByStaff', s))).toEqual(['placed', 'confirmed', 'shipped']);
      expect(ORDER_STATUSES.filter((s) => may('recordParcelReturn', s))).toEqual(['shipped']);
    });
  });

  describe('cancel', () => {
    it('a confirmed order: cancelled (wasConfirmed) and what was captured is asked back', () =>
      given([placed, confirmed])
        .when((s) => cancel(s, { orderId, reason: 'cancelled_by_customer', by: 'customer', refundId: 'r-1', now }))
        .then([cancelledBy('cancelled_by_customer', true), refundRequested('r-1', total.amount)]));
    it('nobody cancels a shipped order: goods that left are returned (ordering.order_shipped)', () => {
      given([placed, confirmed, shipped])
        .when((s) => cancel(s, byStaff))
        .thenThrows(ShippedOrderNotCancellable, 'ordering.order_shipped');
      given([placed, confirmed, shipped])
        .when((s) => cancel(s, byCustomer))
        .thenThrows(ShippedOrderNotCancellable, 'ordering.order_shipped');
    });
    it('nobody cancels a delivered order, nor a shipped one refunded in full', () => {
      for (const cmd of [byStaff, byCustomer])
        given([placed, confirmed, shipped, delivered])
          .when((s) => cancel(s, cmd))
          .thenThrows(ShippedOrderNotCancellable, 'ordering.order_shipped');
      given([placed, confirmed, shipped, refundRequested('r-0', total.amount), refunded('r-0', total.amount, true)])
        .when((s) => cancel(s, byStaff))
        .thenThrows(ShippedOrderNotCancellable, 'ordering.order_shipped');
    });
    it('staff cancel a shipped order whose parcel was returned to sender: stock back, only what is not refunded yet asked back', () =>
      given([placed, confirmed, refundRequested('r-0', 1000), shipped, parcelReturned('returned_to_sender')])
        .when((s) => cancel(s, byStaff))
        .then([cancelledBy('cancelled_by_staff', true), refundRequested('r-1', total.amount - 1000)]));
    it('staff cancel a shipped order whose parcel was intercepted: refunded at once, but its goods are still with the carrier', () => {
      given([placed, confirmed, refundRequested('r-0', 1000), shipped, parcelReturned('intercepted')])
        .when((s) => cancel(s, byStaff))
        .then([cancelledBy('cancelled_by_staff', true, true), refundRequested('r-1', total.amount - 1000)]);
      given([placed, confirmed, shipped, parcelReturned('intercepted'), parcelReturned('returned_to_sender')])
        .when((s) => cancel(s, byStaff))
        .then([cancelledBy('cancelled_by_staff', true), refundRequested('r-1', total.amount)]);
    });
    for (const reason of ['intercepted', 'returned_to_sender'] as const) {
      it(`a customer still may not cancel once the parcel was ${reason}`, () =>
        given([placed, confirmed, shipped, parcelReturned(reason)])
          .when((s) => cancel(s, byCustomer))
          .thenThrows(ShippedOrderNotCancellable, 'ordering.order_shipped'));
    }
    it('a shipped order cancelled after its parcel came back, then refunded, is not cancelled again', () =>
      given([
        placed,
        confirmed,
        shipped,
        parcelReturned('returned_to_sender'),
        cancelledBy('cancelled_by_staff', true),
        refundRequested('r-1', total.amount),
        refunded('r-1', total.amount, true),
      ])
        .when((s) => cancel(s, { ...byStaff, refundId: 'r-2' }))
        .thenThrows(OrderNotCancellable, 'ordering.order_not_cancellable'));
    it('a cancellation after the parcel came back asks nothing back when everything was refunded already', () =>
      given([placed, confirmed, shipped, refundRequested('r-0', total.amount), parcelReturned('returned_to_sender')])
        .when((s) => cancel(s, byStaff))
        .then([cancelledBy('cancelled_by_staff', true)]));
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
    it('refuses a parcel the carrier reported coming back, and an order cancelled after it came back', () => {
      given([placed, confirmed, shipped, parcelReturned('intercepted')])
        .when((s) => deliver(s, { orderId, now }))
        .thenThrows(OrderNotDeliverable, 'ordering.order_not_deliverable');
      given([placed, confirmed, shipped, parcelReturned('returned_to_sender'), cancelledBy('cancelled_by_staff', true)])
        .when((s) => deliver(s, { orderId, now }))
        .thenThrows(OrderNotDeliverable, 'ordering.order_not_deliverable');
    });
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
