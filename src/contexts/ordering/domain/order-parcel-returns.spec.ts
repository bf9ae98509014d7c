import { describe, it } from 'vitest';
import { OrderNotFound } from './order';
import { cancel, ShippedOrderNotCancellable } from './order-cancellation';
import { ParcelNotOut, recordInterceptionFailure, recordParcelReturn } from './order-fulfilment';
import type { ParcelReturnReason } from './order-lifecycle.events';
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
  parcelReturned,
  interceptionFailed,
  byStaff,
} from './order-lifecycle.fixtures';

/** The carrier's reports of a parcel that does not reach the customer: intercepted, returned to sender, or delivered after all. */
describe('parcels coming back', () => {
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
});
