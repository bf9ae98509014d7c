import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { type CheckoutEvent, checkoutStream } from '../domain/checkout';
import { toIntegrationEvent } from './to-integration-events';

const total = { amount: 2990, currency: 'EUR' };

describe("the checkout's start on the wire", () => {
  const recorded = (event: CheckoutEvent): RecordedEvent =>
    ({
      ...event,
      stream: checkoutStream('o-1'),
      version: 1,
      globalPosition: '1',
      metadata: { eventId: 'e-1', correlationId: 'c', occurredAt: '2026-03-01T10:00:00.000Z', schemaVersion: 1 },
    }) as RecordedEvent;
  const data = { orderId: 'o-1', customerId: 'c-1', lines: [{ sku: 'A', quantity: 2 }], total, paymentToken: 'tok_approve' };

  it('asks inventory for the stock with the start itself, and the payment token stays out of the command', () => {
    const command = toIntegrationEvent(recorded({ type: 'CheckoutStarted', data: { ...data, requestsStock: true } }));
    expect(command).toEqual(
      expect.objectContaining({ id: 'e-1', type: 'inventory.reserve-stock.v1', data: { orderId: 'o-1', lines: data.lines } }),
    );
    expect(JSON.stringify(command)).not.toContain('tok_approve');
  });

  it('an older start asks for nothing: its StockReservationRequested does', () => {
    expect(toIntegrationEvent(recorded({ type: 'CheckoutStarted', data }))).toBeNull();
    expect(toIntegrationEvent(recorded({ type: 'StockReservationRequested', data: { orderId: 'o-1', lines: data.lines } }))).toEqual(
      expect.objectContaining({ type: 'inventory.reserve-stock.v1' }),
    );
  });
});
