import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import type { OrderEvent } from '../domain/order';
import { toIntegrationEvent } from './to-integration-events';

const orderId = '0190f000-0000-7000-8000-000000000001';
const customerId = 'customer-1';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const at = '2026-03-01T10:00:00.000Z';
let version = 0;
const recorded = (event: OrderEvent, stream = `ordering.order-${orderId}`): RecordedEvent =>
  ({
    ...event,
    stream,
    version: ++version,
    globalPosition: String(version),
    metadata: { eventId: `event-${version}`, commandId: 'c', correlationId: 'corr', occurredAt: at, schemaVersion: 1 },
  }) as RecordedEvent;
const wire = (event: OrderEvent) => {
  const message = toIntegrationEvent(recorded(event));
  return message && !Array.isArray(message) ? { type: message.type, data: message.data } : message;
};

describe("the order's lifecycle on the wire", () => {
  it('a refund the order asks for is the payment command, named by its refund id', () =>
    expect(
      wire({
        type: 'RefundRequested',
        data: { orderId, customerId, refundId: 'r-1', amount: eur(500), reason: 'goodwill', note: 'sorry', requestedAt: at },
      }),
    ).toEqual({ type: 'payment.refund-payment.v1', data: { orderId, amount: eur(500), refundId: 'r-1' } }));

  it('cancellations say whether the order had been confirmed, and whether its goods are still with the carrier, with its lines', () => {
    const lines = [{ sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: eur(1000) }];
    expect(
      wire({
        type: 'OrderCancelled',
        data: { orderId, customerId, reason: 'cancelled_by_staff', wasConfirmed: true, lines, cancelledAt: at },
      }),
    ).toEqual({
      type: 'ordering.order-cancelled.v1',
      data: { orderId, customerId, reason: 'cancelled_by_staff', wasConfirmed: true, goodsWithCarrier: false, lines },
    });
    expect(
      wire({
        type: 'OrderCancelled',
        data: { orderId, customerId, reason: 'cancelled_by_staff', wasConfirmed: true, goodsWithCarrier: true, lines, cancelledAt: at },
      }),
    ).toMatchObject({ data: { wasConfirmed: true, goodsWithCarrier: true } });
    // recorded before the lifecycle: no flags, no lines
    expect(wire({ type: 'OrderCancelled', data: { orderId, customerId, reason: 'timeout', cancelledAt: at } })).toEqual({
      type: 'ordering.order-cancelled.v1',
      data: { orderId, customerId, reason: 'timeout', wasConfirmed: false, goodsWithCarrier: false },
    });
  });

  it('shipped, delivered, refunded, return requested and approved become their public events', () => {
    const lines = [{ sku: 'MUG-1', quantity: 1 }];
    expect(
      wire({
        type: 'OrderShipped',
        data: { orderId, customerId, shipmentId: 's-1', carrier: 'sandbox', trackingNumber: 'SBX000000001', shippedAt: at },
      }),
    ).toEqual({
      type: 'ordering.order-shipped.v1',
      data: { orderId, customerId, carrier: 'sandbox', trackingNumber: 'SBX000000001', shippedAt: at },
    });
    expect(
      wire({
        type: 'OrderDelivered',
        data: { orderId, customerId, lines: [{ sku: 'MUG-1', productId: 'p-1', quantity: 2 }], deliveredAt: at },
      }),
    ).toEqual({
      type: 'ordering.order-delivered.v1',
      data: { orderId, customerId, lines: [{ sku: 'MUG-1', productId: 'p-1', quantity: 2 }], deliveredAt: at },
    });
    expect(
      wire({
        type: 'OrderRefunded',
        data: {
          orderId,
          customerId,
          refundId: 'r-1',
          amount: eur(500),
          totalRefunded: eur(900),
          reason: 'return',
          fullyRefunded: false,
          refundedAt: at,
        },
      }),
    ).toEqual({
      type: 'ordering.order-refunded.v1',
      data: { orderId, customerId, refundId: 'r-1', amount: eur(500), totalRefunded: eur(900), reason: 'return' },
    });
    expect(wire({ type: 'ReturnRequested', data: { orderId, customerId, returnId: 'ret-1', lines, requestedAt: at } })).toEqual({
      type: 'ordering.return-requested.v1',
      data: { returnId: 'ret-1', orderId, customerId, lines },
    });
    expect(
      wire({ type: 'ReturnApproved', data: { orderId, customerId, returnId: 'ret-1', lines, refund: eur(1000), approvedAt: at } }),
    ).toEqual({
      type: 'ordering.return-approved.v1',
      data: { returnId: 'ret-1', orderId, customerId, lines, refund: eur(1000) },
    });
  });

  it('a rejected refund stays inside ordering', () =>
    expect(wire({ type: 'RefundRejected', data: { orderId, refundId: 'r-1', reason: 'exceeds_captured', rejectedAt: at } })).toBeNull());

  it('a parcel coming back is published, saying whether the order was cancelled meanwhile (then its goods are back)', () => {
    expect(wire({ type: 'OrderParcelReturned', data: { orderId, customerId, reason: 'intercepted', reportedAt: at } })).toEqual({
      type: 'ordering.order-parcel-returned.v1',
      data: { orderId, customerId, reason: 'intercepted', orderCancelled: false, reportedAt: at },
    });
    expect(
      wire({
        type: 'OrderParcelReturned',
        data: { orderId, customerId, reason: 'returned_to_sender', orderCancelled: true, reportedAt: at },
      }),
    ).toMatchObject({ data: { reason: 'returned_to_sender', orderCancelled: true } });
  });

  it('dispatch requests and failures, and a failed interception, stay inside ordering', () => {
    const parcel = { carrier: 'dhl', trackingNumber: 'JD0001' };
    expect(wire({ type: 'OrderDispatchRequested', data: { orderId, customerId, ...parcel, requestedAt: at } })).toBeNull();
    expect(wire({ type: 'OrderDispatchFailed', data: { orderId, ...parcel, code: 'shipping.unknown_carrier', failedAt: at } })).toBeNull();
    expect(wire({ type: 'ParcelInterceptionFailed', data: { orderId, customerId, orderCancelled: true, deliveredAt: at } })).toBeNull();
  });
});
