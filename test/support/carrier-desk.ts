import type { CommandMeta } from '../../src/platform/event-store/event-store';
import { type IntegrationMessage, MessageBus } from '../../src/platform/messaging/message-bus';
import { ManualClock } from '../../src/shared-kernel/clock';
import { newId } from '../../src/shared-kernel/ids';
import { type DispatchRequest, Shipments, ShippingMessages } from '../../src/contexts/shipping/contracts';
import {
  sandboxTrackingEvent,
  sandboxTrackingNumber,
  type SandboxTrackingEvent,
} from '../../src/contexts/shipping/infrastructure/sandbox.carrier';
import { bootTestApp } from './app';

/**
 * Shared by the shipping e2e specs: the app on a manual clock, a staff and a customer token, every shipping message
 * published, and helpers to dispatch parcels and post signed tracking events of the sandbox carrier.
 */
export const openCarrierDesk = async () => {
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const t = await bootTestApp({ clock });
  const published: IntegrationMessage[] = [];
  await t.get(MessageBus).subscribe('test.shipping-listener', Object.values(ShippingMessages), async (m) => void published.push(m));
  const staff = (await t.registerAndLogin('staff')).token;
  const customer = (await t.registerAndLogin('customer')).token;
  const shipments = t.get(Shipments);

  const address = { name: 'Ada Lovelace', line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' };
  let tracking = 0;
  const nextTrackingNumber = () => sandboxTrackingNumber(++tracking);
  const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: clock.now() });
  const request = (overrides: Partial<DispatchRequest> = {}): DispatchRequest => ({
    orderId: newId(),
    carrier: 'sandbox',
    trackingNumber: nextTrackingNumber(),
    address,
    ...overrides,
  });
  const shipmentOf = (orderId: string, token = staff) => t.inject('GET', `/api/v1/shipments/${orderId}`, { token });
  const publishedFor = (orderId: string) => published.filter((m) => (m.data as { orderId: string }).orderId === orderId).map((m) => m.type);
  const postTrackingEvent = (
    event: Partial<SandboxTrackingEvent> & { trackingNumber: string },
    signedAt = clock.now(),
    secret?: string,
  ) => {
    const signed = sandboxTrackingEvent(
      secret ?? t.config.carrierWebhookSecret,
      { id: newId(), status: 'in_transit', occurredAt: clock.now().toISOString(), ...event },
      signedAt,
    );
    return t.inject('POST', '/api/v1/shipping/webhooks/sandbox', { headers: signed.headers, body: signed.body });
  };

  return {
    t,
    clock,
    published,
    staff,
    customer,
    shipments,
    address,
    nextTrackingNumber,
    meta,
    request,
    shipmentOf,
    publishedFor,
    postTrackingEvent,
  };
};

export type CarrierDesk = Awaited<ReturnType<typeof openCarrierDesk>>;
