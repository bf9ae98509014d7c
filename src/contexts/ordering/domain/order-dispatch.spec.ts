import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { OrderNotFound, orderDecider, type OrderEvent } from './order';
import { cancel, OrderNotCancellable } from './order-cancellation';
import {
  deliver,
  DispatchInProgress,
  failDispatch,
  OrderAlreadyShipped,
  OrderNotDeliverable,
  OrderNotShippable,
  recordInterceptionFailure,
  recordParcelReturn,
  requestDispatch,
  ship,
} from './order-fulfilment';
import { may, ORDER_STATUSES } from './order-status';

const given = deciderSpec(orderDecider);
const now = new Date('2026-03-01T10:00:00Z');
const at = now.toISOString();
const later = new Date('2026-03-01T11:00:00Z');
const orderId = '0190f000-0000-7000-8000-000000000002';
const customerId = 'customer-2';
const lines = [{ sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' } }];
const total = { amount: 2500, currency: 'EUR' };
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };

const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: { orderId, customerId, cartId: customerId, lines, charges: [], total, shippingAddress: address, placedAt: at },
};
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, customerId, total, lines, confirmedAt: at } };
const parcel = { carrier: 'dhl', trackingNumber: 'JD0001' };
const other = { carrier: 'dhl', trackingNumber: 'JD0002' };
const requested: OrderEvent = { type: 'OrderDispatchRequested', data: { orderId, customerId, ...parcel, requestedAt: at } };
const failed: OrderEvent = { type: 'OrderDispatchFailed', data: { orderId, ...parcel, code: 'shipping.unknown_carrier', failedAt: at } };
const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId, customerId, shipmentId: 's-1', ...parcel, shippedAt: at } };
const fact = { shipmentId: 's-1', trackingNumber: parcel.trackingNumber };
const byStaff = { orderId, reason: 'cancelled_by_staff', by: 'staff', refundId: 'r-1', now } as const;
const byCustomer = { orderId, reason: 'cancelled_by_customer', by: 'customer', refundId: 'r-1', now } as const;

describe('dispatching an order', () => {
  it('the state machine: only a confirmed order is dispatched, and nobody cancels it while it is', () => {
    expect(ORDER_STATUSES.filter((s) => may('dispatch', s))).toEqual(['confirmed']);
    expect(ORDER_STATUSES.filter((s) => may('ship', s))).toEqual(['confirmed', 'dispatching']);
    expect(may('cancelByCustomer', 'dispatching') || may('cancelByStaff', 'dispatching')).toBe(false);
  });

  describe('requestDispatch', () => {
    const request =
      (p = parcel) =>
      (s: Parameters<typeof requestDispatch>[0]) =>
        requestDispatch(s, { orderId, ...p, now });
    it('records the request of a confirmed order, before shipping is asked', () =>
      given([placed, confirmed]).when(request()).then([requested]));
    it('the same parcel again (pending or shipped) is a no-op, so an interrupted dispatch is finished by repeating it', () => {
      given([placed, confirmed, requested]).when(request()).then([]);
      given([placed, confirmed, requested, shipped]).when(request()).then([]);
    });
    it('refuses another parcel while one is being dispatched, or once shipped', () => {
      given([placed, confirmed, requested]).when(request(other)).thenThrows(DispatchInProgress, 'ordering.dispatch_in_progress');
      given([placed, confirmed, requested, shipped]).when(request(other)).thenThrows(OrderAlreadyShipped);
    });
    it('a failed dispatch frees the order for another parcel', () =>
      given([placed, confirmed, requested, failed])
        .when(request(other))
        .then([{ type: 'OrderDispatchRequested', data: { orderId, customerId, ...other, requestedAt: at } }]));
    it('refuses an order that is not paid, or cancelled, and an unknown one', () => {
      given([placed]).when(request()).thenThrows(OrderNotShippable, 'ordering.order_not_shippable');
      const cancelled: OrderEvent = {
        type: 'OrderCancelled',
        data: { orderId, customerId, reason: 'cancelled_by_customer', wasConfirmed: true, lines, cancelledAt: at },
      };
      given([placed, confirmed, cancelled]).when(request()).thenThrows(OrderNotShippable);
      given([]).when(request()).thenThrows(OrderNotFound);
    });
  });

  it('nobody cancels an order while its parcel is being handed over; once the dispatch failed, it may be cancelled again', () => {
    for (const cmd of [byStaff, byCustomer])
      given([placed, confirmed, requested])
        .when((s) => cancel(s, cmd))
        .thenThrows(OrderNotCancellable, 'ordering.order_not_cancellable');
    given([placed, confirmed, requested, failed])
      .when((s) => cancel(s, byCustomer))
      .then([
        {
          type: 'OrderCancelled',
          data: { orderId, customerId, reason: 'cancelled_by_customer', wasConfirmed: true, lines, cancelledAt: at },
        },
        {
          type: 'RefundRequested',
          data: { orderId, customerId, refundId: 'r-1', amount: total, reason: 'cancellation', requestedAt: at },
        },
      ]);
  });

  describe('failDispatch', () => {
    const fail =
      (p = parcel) =>
      (s: Parameters<typeof failDispatch>[0]) =>
        failDispatch(s, { orderId, ...p, code: 'shipping.unknown_carrier', now });
    it('records the failure of the pending dispatch: the order is confirmed again', () => {
      given([placed, confirmed, requested]).when(fail()).then([failed]);
      given([placed, confirmed, requested, failed]).thenState({
        status: 'confirmed',
        customerId,
        lines,
        charges: [],
        total,
        captured: total.amount,
        refunds: {},
        returns: {},
      });
    });
    it('nothing to fail when no dispatch of this parcel is pending', () => {
      given([placed, confirmed]).when(fail()).then([]);
      given([placed, confirmed, requested]).when(fail(other)).then([]);
      given([placed, confirmed, requested, shipped]).when(fail()).then([]);
    });
  });

  describe('ship', () => {
    const cmd = { orderId, shipmentId: 's-1', ...parcel, now };
    it('ships the pending dispatch of this parcel, even when a goodwill refund paid everything back meanwhile', () => {
      given([placed, confirmed, requested])
        .when((s) => ship(s, cmd))
        .then([shipped]);
      const refund: OrderEvent[] = [
        { type: 'RefundRequested', data: { orderId, customerId, refundId: 'g', amount: total, reason: 'goodwill', requestedAt: at } },
        {
          type: 'OrderRefunded',
          data: {
            orderId,
            customerId,
            refundId: 'g',
            amount: total,
            totalRefunded: total,
            reason: 'goodwill',
            fullyRefunded: true,
            refundedAt: at,
          },
        },
      ];
      given([placed, confirmed, requested, ...refund])
        .when((s) => ship(s, cmd))
        .then([shipped]);
    });
    it('refuses another parcel than the one being dispatched', () =>
      given([placed, confirmed, requested])
        .when((s) => ship(s, { ...cmd, ...other }))
        .thenThrows(DispatchInProgress));
  });

  describe("shipping's facts about a parcel the order still waits for are reconciled, not dropped", () => {
    const deliveredLater: OrderEvent = {
      type: 'OrderDelivered',
      data: { orderId, customerId, lines: [{ sku: 'MUG-1', quantity: 2 }], deliveredAt: later.toISOString() },
    };
    it('a delivery report ships the order first (at the time it asked), then delivers it', () =>
      given([placed, confirmed, requested])
        .when((s) => deliver(s, { orderId, shipment: fact, now: later }))
        .then([shipped, deliveredLater]));
    it('so does a parcel return, and an interception that failed', () => {
      given([placed, confirmed, requested])
        .when((s) => recordParcelReturn(s, { orderId, reason: 'intercepted', shipment: fact, now: later }))
        .then([
          shipped,
          {
            type: 'OrderParcelReturned',
            data: { orderId, customerId, reason: 'intercepted', reportedAt: later.toISOString() },
          },
        ]);
      given([placed, confirmed, requested])
        .when((s) => recordInterceptionFailure(s, { orderId, shipment: fact, now: later }))
        .then([
          shipped,
          { type: 'ParcelInterceptionFailed', data: { orderId, customerId, orderCancelled: false, deliveredAt: later.toISOString() } },
          deliveredLater,
        ]);
    });
    it("staff's word ships nothing, and a fact about another parcel is not this order's", () => {
      given([placed, confirmed, requested])
        .when((s) => deliver(s, { orderId, now }))
        .thenThrows(OrderNotDeliverable, 'ordering.order_not_deliverable');
      given([placed, confirmed, requested])
        .when((s) => deliver(s, { orderId, shipment: { shipmentId: 's-9', trackingNumber: 'JD0009' }, now }))
        .thenThrows(OrderNotDeliverable);
    });
  });
});
