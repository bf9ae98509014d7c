import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared-kernel/ids';
import { type DispatchRequest, ShippingMessages } from './contracts';
import { sandboxTrackingEvent, type SandboxTrackingEvent } from './infrastructure/sandbox.carrier';
import { type CarrierDesk, openCarrierDesk } from '../../../test/support/carrier-desk';

let t: CarrierDesk['t'];
let clock: CarrierDesk['clock'];
let published: CarrierDesk['published'];
let address: CarrierDesk['address'];
let customer: CarrierDesk['customer'];
let shipments: CarrierDesk['shipments'];
let nextTrackingNumber: CarrierDesk['nextTrackingNumber'];
let meta: CarrierDesk['meta'];
let request: CarrierDesk['request'];
let shipmentOf: CarrierDesk['shipmentOf'];
let publishedFor: CarrierDesk['publishedFor'];
let postTrackingEvent: CarrierDesk['postTrackingEvent'];

beforeAll(async () => {
  ({ t, clock, published, address, customer, shipments, nextTrackingNumber, meta, request, shipmentOf, publishedFor, postTrackingEvent } =
    await openCarrierDesk());
});
afterAll(async () => t?.close());

describe('dispatching a shipment', () => {
  it('registers the parcel, records it for staff and publishes shipping.shipment-dispatched.v1', async () => {
    const dispatch = request();
    const { shipmentId } = await shipments.dispatch(dispatch, meta());
    const res = await shipmentOf(dispatch.orderId);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      shipmentId,
      orderId: dispatch.orderId,
      carrier: 'sandbox',
      trackingNumber: dispatch.trackingNumber,
      status: 'dispatched',
      address,
      dispatchedAt: clock.now().toISOString(),
      deliveredAt: null,
      interceptionFailedAt: null,
      history: [
        { status: 'dispatched', occurredAt: clock.now().toISOString(), recordedAt: clock.now().toISOString(), carrierEventId: null },
      ],
    });
    await t.drain();
    const message = published.find((m) => (m.data as { orderId: string }).orderId === dispatch.orderId);
    expect(message).toMatchObject({
      type: ShippingMessages.shipmentDispatched,
      data: { shipmentId, orderId: dispatch.orderId, carrier: 'sandbox', trackingNumber: dispatch.trackingNumber },
    });
  });

  it('is idempotent per order: the same carrier and tracking number answer the same shipment, another one is 409', async () => {
    const dispatch = request();
    const first = await shipments.dispatch(dispatch, meta());
    expect(await shipments.dispatch(dispatch, meta())).toEqual(first);
    const repeatedCommand = meta();
    expect(await shipments.dispatch(dispatch, repeatedCommand)).toEqual(first);
    expect(await shipments.dispatch(dispatch, repeatedCommand)).toEqual(first);
    await expect(shipments.dispatch({ ...dispatch, trackingNumber: nextTrackingNumber() }, meta())).rejects.toMatchObject({
      kind: 'conflict',
      code: 'shipping.already_dispatched',
    });
    await t.drain();
    expect(publishedFor(dispatch.orderId)).toEqual([ShippingMessages.shipmentDispatched]);
  });

  it('refuses an unknown carrier, a tracking number the carrier refuses, or one of another order (nothing recorded)', async () => {
    const taken = request();
    await shipments.dispatch(taken, meta());
    const refusals: [DispatchRequest, string, string][] = [
      [request({ carrier: 'acme-post' }), 'unprocessable', 'shipping.unknown_carrier'],
      [request({ trackingNumber: 'SBX12' }), 'unprocessable', 'shipping.tracking_number_refused'],
      [request({ trackingNumber: 'sbx000000001' }), 'unprocessable', 'shipping.tracking_number_refused'],
      [request({ trackingNumber: taken.trackingNumber }), 'conflict', 'shipping.tracking_number_in_use'],
      [request({ address: { ...address, country: 'XX' } }), 'validation', 'shipping.invalid_dispatch_request'],
      [request({ orderId: '../etc' }), 'validation', 'shipping.invalid_dispatch_request'],
    ];
    for (const [dispatch, kind, code] of refusals) {
      await expect(shipments.dispatch(dispatch, meta()), code).rejects.toMatchObject({ kind, code });
      if (code !== 'shipping.invalid_dispatch_request') expect((await shipmentOf(dispatch.orderId)).statusCode).toBe(404);
    }
  });

  it('lets one of racing dispatches win: one shipment per order, one order per parcel', async () => {
    const orderId = newId();
    const sameOrder = await Promise.allSettled(Array.from({ length: 4 }, () => shipments.dispatch(request({ orderId }), meta())));
    expect(sameOrder.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of sameOrder.filter((o) => o.status === 'rejected'))
      expect(o.reason).toMatchObject({ code: 'shipping.already_dispatched' });

    const trackingNumber = nextTrackingNumber();
    const sameParcel = await Promise.allSettled(Array.from({ length: 4 }, () => shipments.dispatch(request({ trackingNumber }), meta())));
    expect(sameParcel.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of sameParcel.filter((o) => o.status === 'rejected'))
      expect(o.reason).toMatchObject({ code: 'shipping.tracking_number_in_use' });
  });

  it('shows shipments to staff only; unknown orders are 404', async () => {
    const dispatch = request();
    await shipments.dispatch(dispatch, meta());
    expect((await shipmentOf(dispatch.orderId, customer)).statusCode).toBe(403);
    expect((await t.inject('GET', `/api/v1/shipments/${dispatch.orderId}`)).statusCode).toBe(401);
    expect((await shipmentOf(newId())).json()).toMatchObject({ status: 404, code: 'shipping.shipment_not_found' });
    expect((await shipmentOf('%27%20or%201%3D1')).statusCode).toBe(404);
  });
});

describe('tracking events from the sandbox carrier', () => {
  it('moves the shipment in transit, then delivered, and publishes the integration events once', async () => {
    const dispatch = request();
    const { shipmentId } = await shipments.dispatch(dispatch, meta());
    clock.advance(60_000);
    const transit = await postTrackingEvent({ id: 'evt-transit-1', trackingNumber: dispatch.trackingNumber });
    expect(transit.statusCode, transit.body).toBe(200);
    expect(transit.json()).toEqual({ received: true, duplicate: false });

    clock.advance(60_000);
    const deliveredAt = clock.now().toISOString();
    const deliveredEvent = { id: 'evt-delivered-1', trackingNumber: dispatch.trackingNumber, status: 'delivered' as const };
    expect((await postTrackingEvent(deliveredEvent)).json()).toEqual({ received: true, duplicate: false });
    // the carrier resends it (same id), and later reports a stale scan: nothing changes
    expect((await postTrackingEvent(deliveredEvent)).json()).toEqual({ received: true, duplicate: true });
    clock.advance(60_000);
    expect((await postTrackingEvent({ id: 'evt-late-scan', trackingNumber: dispatch.trackingNumber })).json()).toEqual({
      received: true,
      duplicate: false,
    });

    const shipment = (await shipmentOf(dispatch.orderId)).json();
    expect(shipment).toMatchObject({ status: 'delivered', deliveredAt });
    expect(shipment.history.map((h: { status: string; carrierEventId: string | null }) => [h.status, h.carrierEventId])).toEqual([
      ['dispatched', null],
      ['in_transit', 'evt-transit-1'],
      ['delivered', 'evt-delivered-1'],
    ]);

    await t.drain();
    expect(publishedFor(dispatch.orderId)).toEqual([
      ShippingMessages.shipmentDispatched,
      ShippingMessages.shipmentInTransit,
      ShippingMessages.shipmentDelivered,
    ]);
    expect(
      published.find((m) => m.type === ShippingMessages.shipmentDelivered && (m.data as { shipmentId: string }).shipmentId === shipmentId),
    ).toMatchObject({ data: { shipmentId, orderId: dispatch.orderId, trackingNumber: dispatch.trackingNumber, deliveredAt } });
  });

  it('applies an event the carrier sends several times at once exactly once', async () => {
    const dispatch = request();
    await shipments.dispatch(dispatch, meta());
    const signed = sandboxTrackingEvent(
      t.config.carrierWebhookSecret,
      { id: 'evt-burst', trackingNumber: dispatch.trackingNumber, status: 'delivered', occurredAt: clock.now().toISOString() },
      clock.now(),
    );
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        t.inject('POST', '/api/v1/shipping/webhooks/sandbox', { headers: signed.headers, body: signed.body }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    expect(answers.filter((a) => a.json().duplicate === false)).toHaveLength(1);
    await t.drain();
    expect(publishedFor(dispatch.orderId)).toEqual([ShippingMessages.shipmentDispatched, ShippingMessages.shipmentDelivered]);
  });

  it('records a carrier exception in the history without publishing it', async () => {
    const dispatch = request();
    await shipments.dispatch(dispatch, meta());
    expect((await postTrackingEvent({ trackingNumber: dispatch.trackingNumber, status: 'exception' })).statusCode).toBe(200);
    expect((await shipmentOf(dispatch.orderId)).json()).toMatchObject({ status: 'exception' });
    await t.drain();
    expect(publishedFor(dispatch.orderId)).toEqual([ShippingMessages.shipmentDispatched]);
  });

  it('refuses a wrong, missing or stale signature (401) and changes nothing', async () => {
    const dispatch = request();
    await shipments.dispatch(dispatch, meta());
    const event = { trackingNumber: dispatch.trackingNumber, status: 'delivered' as const };
    const wrong = await postTrackingEvent(event, clock.now(), 'not-the-carrier-secret');
    expect(wrong.json()).toMatchObject({ status: 401, code: 'shipping.webhook_signature_invalid' });
    const stale = await postTrackingEvent(event, new Date(clock.now().getTime() - (t.config.webhookToleranceS + 1) * 1000));
    expect(stale.json()).toMatchObject({ status: 401, code: 'shipping.webhook_stale' });
    const unsigned = await t.inject('POST', '/api/v1/shipping/webhooks/sandbox', {
      body: { id: 'x', occurredAt: clock.now().toISOString(), ...event },
    });
    expect(unsigned.json()).toMatchObject({ status: 401, code: 'shipping.webhook_signature_invalid' });

    const signed = sandboxTrackingEvent(
      t.config.carrierWebhookSecret,
      { id: 'tampered', occurredAt: clock.now().toISOString(), ...event },
      clock.now(),
    );
    const tampered = await t.inject('POST', '/api/v1/shipping/webhooks/sandbox', {
      headers: signed.headers,
      body: signed.body.replace('delivered', 'in_transit'),
    });
    expect(tampered.statusCode).toBe(401);

    expect((await shipmentOf(dispatch.orderId)).json()).toMatchObject({ status: 'dispatched' });
  });

  it('answers 404 for an unknown tracking number and 400 for a malformed event, then applies the event once the shipment exists', async () => {
    const dispatch = request();
    const early = { id: 'evt-before-dispatch', trackingNumber: dispatch.trackingNumber };
    expect((await postTrackingEvent(early)).json()).toMatchObject({ status: 404, code: 'shipping.shipment_not_found' });
    await shipments.dispatch(dispatch, meta());
    expect((await postTrackingEvent(early)).json()).toEqual({ received: true, duplicate: false });

    for (const malformed of [{ status: 'lost' }, { occurredAt: 'yesterday' }, { id: '' }, { id: 'a b' }]) {
      const res = await postTrackingEvent({ trackingNumber: dispatch.trackingNumber, ...malformed } as unknown as SandboxTrackingEvent);
      expect(res.json(), JSON.stringify(malformed)).toMatchObject({ status: 400, code: 'shipping.invalid_tracking_event' });
    }
    expect((await shipmentOf(dispatch.orderId)).json()).toMatchObject({ status: 'in_transit' });
  });
});
