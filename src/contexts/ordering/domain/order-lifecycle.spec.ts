import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { OrderNotFound, orderDecider, type OrderEvent, type OrderLine } from './order';
import { CheckoutInProgress, cancel, OrderNotCancellable, ShippedOrderNotCancellable } from './order-cancellation';
import {
  deliver,
  OrderAlreadyShipped,
  OrderNotDeliverable,
  OrderNotShippable,
  ParcelNotOut,
  recordInterceptionFailure,
  recordParcelReturn,
  ship,
} from './order-fulfilment';
import type { ParcelReturnReason } from './order-lifecycle.events';
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
const cancelledBy = (reason: string, wasConfirmed: boolean, goodsWithCarrier = false): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, customerId, reason, wasConfirmed, ...(goodsWithCarrier ? { goodsWithCarrier } : {}), lines, cancelledAt: at },
});
const refundRequested = (refundId: string, amount: number): OrderEvent => ({
  type: 'RefundRequested',
  data: { orderId, customerId, refundId, amount: { amount, currency: 'EUR' }, reason: 'cancellation', requestedAt: at },
});
const refunded = (refundId: string, amount: number, fullyRefunded: boolean): OrderEvent => ({
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
const parcelReturned = (reason: ParcelReturnReason, orderCancelled = false): OrderEvent => ({
  type: 'OrderParcelReturned',
  data: { orderId, customerId, reason, ...(orderCancelled ? { orderCancelled } : {}), reportedAt: at },
});
const interceptionFailed = (orderCancelled: boolean): OrderEvent => ({
  type: 'ParcelInterceptionFailed',
  data: { orderId, customerId, orderCancelled, deliveredAt: at },
});
const byStaff = { orderId, reason: 'cancelled_by_staff', by: 'staff', refundId: 'r-1', now } as const;
const byCustomer = { orderId, reason: 'cancelled_by_customer', by: 'customer', refundId: 'r-1', now } as const;

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

  describe('recordParcelReturn', () => {
    const report = (reason: ParcelReturnReason) => (s: Parameters<typeof recordParcelReturn>[0]) =>
      recordParcelReturn(s, { orderId, reason, now });
    it('records an interception or a return to sender of a shipped order', () => {
      given([placed, confirmed, shipped])
        .when(report('intercepted'))
        .then([parcelReturned('intercepted')]);
      given([placed, confirmed, shipped])
        .when(report('returned_to_sender'))
        .then([parcelReturned('returned_to_sender')]);
    });
    it('records the return after an interception; when the order was cancelled meanwhile, its goods are back (orderCancelled)', () => {
      given([placed, confirmed, shipped, parcelReturned('intercepted')])
        .when(report('returned_to_sender'))
        .then([parcelReturned('returned_to_sender')]);
      given([placed, confirmed, shipped, parcelReturned('intercepted'), cancelledBy('cancelled_by_staff', true, true)])
        .when(report('returned_to_sender'))
        .then([parcelReturned('returned_to_sender', true)]);
    });
    it('a repeated report, or an interception after the return, is a no-op', () => {
      given([placed, confirmed, shipped, parcelReturned('intercepted')])
        .when(report('intercepted'))
        .then([]);
      given([placed, confirmed, shipped, parcelReturned('returned_to_sender')])
        .when(report('returned_to_sender'))
        .then([]);
      given([placed, confirmed, shipped, parcelReturned('returned_to_sender')])
        .when(report('intercepted'))
        .then([]);
    });
    it('refuses an order with no parcel out: not shipped, or delivered; and an unknown order', () => {
      given([placed, confirmed]).when(report('returned_to_sender')).thenThrows(ParcelNotOut, 'ordering.parcel_not_out');
      given([placed, confirmed, shipped, delivered]).when(report('intercepted')).thenThrows(ParcelNotOut, 'ordering.parcel_not_out');
      given([]).when(report('intercepted')).thenThrows(OrderNotFound);
    });
  });

  describe('recordInterceptionFailure', () => {
    const failure = (s: Parameters<typeof recordInterceptionFailure>[0]) => recordInterceptionFailure(s, { orderId, now });
    it('an order still shipped is delivered: the customer has the goods, so they are returned, not cancelled', () => {
      given([placed, confirmed, shipped, parcelReturned('intercepted')])
        .when(failure)
        .then([interceptionFailed(false), delivered]);
      given([placed, confirmed, shipped, parcelReturned('intercepted'), interceptionFailed(false), delivered])
        .when((s) => cancel(s, byStaff))
        .thenThrows(ShippedOrderNotCancellable, 'ordering.order_shipped');
    });
    it('an order cancelled meanwhile stays cancelled: recorded for staff, its goods never come back on the shelf', () => {
      const cancelledMeanwhile = [placed, confirmed, shipped, parcelReturned('intercepted'), cancelledBy('cancelled_by_staff', true, true)];
      given(cancelledMeanwhile)
        .when(failure)
        .then([interceptionFailed(true)]);
      // delivered is final: a return report afterwards would bring nothing back
      given([...cancelledMeanwhile, interceptionFailed(true)])
        .when((s) => recordParcelReturn(s, { orderId, reason: 'returned_to_sender', now }))
        .thenThrows(ParcelNotOut, 'ordering.parcel_not_out');
    });
    it('a repeated report, or one for an order delivered already, is a no-op', () => {
      given([placed, confirmed, shipped, parcelReturned('intercepted'), interceptionFailed(false), delivered])
        .when(failure)
        .then([]);
      given([placed, confirmed, shipped, delivered]).when(failure).then([]);
    });
    it('refuses an order with no parcel out, or whose parcel is back', () => {
      given([placed, confirmed]).when(failure).thenThrows(ParcelNotOut, 'ordering.parcel_not_out');
      given([placed, confirmed, shipped, parcelReturned('returned_to_sender')])
        .when(failure)
        .thenThrows(ParcelNotOut);
      given([]).when(failure).thenThrows(OrderNotFound);
    });
  });

  it('folds the parcel coming back into the state', () =>
    given([placed, confirmed, shipped, parcelReturned('intercepted'), parcelReturned('returned_to_sender')]).thenState({
      status: 'shipped',
      customerId,
      lines,
      charges,
      total,
      captured: total.amount,
      refunds: {},
      returns: {},
      shipment: parcel,
      parcelReturn: 'returned_to_sender',
    }));

  it('folds a cancellation while the goods are with the carrier, and their return, into the state', () => {
    const cancelledMeanwhile = [placed, confirmed, shipped, parcelReturned('intercepted'), cancelledBy('cancelled_by_staff', true, true)];
    const base = { customerId, lines, charges, total, captured: total.amount, refunds: {}, returns: {}, shipment: parcel };
    given(cancelledMeanwhile).thenState({ ...base, status: 'cancelled', parcelReturn: 'intercepted', goodsWithCarrier: true });
    given([...cancelledMeanwhile, parcelReturned('returned_to_sender', true)]).thenState({
      ...base,
      status: 'cancelled',
      parcelReturn: 'returned_to_sender',
    });
    given([...cancelledMeanwhile, interceptionFailed(true)]).thenState({ ...base, status: 'cancelled', interceptionFailed: true });
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
