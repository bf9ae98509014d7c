import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../platform/event-store/in-memory.event-store';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import { orderDecider, orderStream } from '../domain/order';
import { orderPlacedV1Upcaster } from './order-placed.upcaster';
import { toIntegrationEvent } from './to-integration-events';

const orderId = '0190f000-0000-7000-8000-000000000001';
const address = { name: 'Ada', line1: '1 Street', city: 'London', postalCode: 'N1', country: 'GB' };
const lines = [{ sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' } }];
const meta = { commandId: 'cmd-1', correlationId: 'corr', now: new Date('2025-01-01T00:00:00Z') };

/** An order placed before checkout pricing: no charges, no coupon, no shipping method. */
const legacyPlaced = {
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId: 'c-1',
    cartId: 'c-1',
    lines,
    total: { amount: 2500, currency: 'EUR' },
    shippingAddress: address,
    placedAt: '2025-01-01T00:00:00.000Z',
  },
};

describe('OrderPlaced schema version 1', () => {
  it('reads back with no charges, folds, and translates without coupon or shipping method', async () => {
    const events = new InMemoryEventStore();
    events.registerUpcaster(orderPlacedV1Upcaster);
    await events.append(orderStream(orderId), [legacyPlaced], { expectedVersion: 'no_stream', meta, schemaVersions: { OrderPlaced: 1 } });

    const [stored] = await events.readStream(orderStream(orderId));
    expect(stored.data).toEqual({ ...legacyPlaced.data, charges: [] });
    expect((await events.aggregate(orderStream(orderId), orderDecider)).state).toMatchObject({ status: 'placed', total: { amount: 2500 } });
    const message = toIntegrationEvent(stored) as IntegrationMessage;
    expect(message.data).toEqual({
      orderId,
      customerId: 'c-1',
      cartId: 'c-1',
      lines,
      charges: [],
      shippingAddress: address,
      total: { amount: 2500, currency: 'EUR' },
    });
  });

  it('new orders are written as version 2', async () => {
    const events = new InMemoryEventStore();
    events.registerUpcaster(orderPlacedV1Upcaster);
    await events.append(orderStream(orderId), [{ ...legacyPlaced, data: { ...legacyPlaced.data, charges: [] } }], {
      expectedVersion: 'no_stream',
      meta,
    });
    expect((await events.readStream(orderStream(orderId)))[0].metadata.schemaVersion).toBe(2);
  });
});
