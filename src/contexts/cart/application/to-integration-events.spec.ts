import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { CartMessages } from '../contracts';
import type { CartEvent } from '../domain/cart';
import { cartStream } from './carts.projection';
import { toIntegrationEvent } from './to-integration-events';

const recorded = (event: CartEvent, version = 1): RecordedEvent =>
  ({
    ...event,
    stream: cartStream('u1'),
    version,
    globalPosition: String(version),
    metadata: { eventId: `e-${version}`, correlationId: 'c', occurredAt: '2026-05-01T10:00:00.000Z', schemaVersion: 1 },
  }) as RecordedEvent;
const line = { sku: 'A', name: 'A', quantity: 1, unitPrice: { amount: 100, currency: 'EUR' } };

describe("the cart's wire messages", () => {
  it('a first line that starts the cart is the cart started, under its own id', () => {
    expect(toIntegrationEvent(recorded({ type: 'CartItemAdded', data: { ...line, starts: { guest: false, customerId: 'u1' } } }))).toEqual(
      expect.objectContaining({
        id: 'e-1',
        type: CartMessages.cartStarted,
        data: { cartId: 'u1', customerId: 'u1', guest: false, startedAt: '2026-05-01T10:00:00.000Z' },
      }),
    );
  });

  it('a line that starts nothing stays inside; a CartStarted of an older stream is still the cart started', () => {
    expect(toIntegrationEvent(recorded({ type: 'CartItemAdded', data: line }, 2))).toBeNull();
    expect(toIntegrationEvent(recorded({ type: 'CartStarted', data: { guest: true } }))).toEqual(
      expect.objectContaining({
        type: CartMessages.cartStarted,
        data: { cartId: 'u1', guest: true, startedAt: '2026-05-01T10:00:00.000Z' },
      }),
    );
  });
});
