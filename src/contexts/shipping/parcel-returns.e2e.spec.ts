import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShippingMessages } from './contracts';
import { type CarrierDesk, openCarrierDesk } from '../../../test/support/carrier-desk';

let t: CarrierDesk['t'];
let clock: CarrierDesk['clock'];
let published: CarrierDesk['published'];
let shipments: CarrierDesk['shipments'];
let meta: CarrierDesk['meta'];
let request: CarrierDesk['request'];
let shipmentOf: CarrierDesk['shipmentOf'];
let publishedFor: CarrierDesk['publishedFor'];
let postTrackingEvent: CarrierDesk['postTrackingEvent'];

beforeAll(async () => {
  ({ t, clock, published, shipments, meta, request, shipmentOf, publishedFor, postTrackingEvent } = await openCarrierDesk());
});
afterAll(async () => t?.close());

/** The carrier's reports of a parcel that does not reach the customer: intercepted, returned to sender, or delivered after all. */
describe('parcels the carrier brings back', () => {
  it('records an interception, then the return to sender, publishes shipping.shipment-returned.v1 for each, and never a delivery after them', async () => {
    const dispatch = request();
    const { shipmentId } = await shipments.dispatch(dispatch, meta());
    const { trackingNumber, orderId } = dispatch;
    clock.advance(60_000);
    const interceptedAt = clock.now().toISOString();
    expect((await postTrackingEvent({ id: 'evt-intercepted', trackingNumber, status: 'intercepted' })).json()).toEqual({
      received: true,
      duplicate: false,
    });
    // on its way back: scans and an exception do not move it on
    for (const status of ['in_transit', 'exception'] as const)
      expect((await postTrackingEvent({ trackingNumber, status })).statusCode).toBe(200);
    expect((await shipmentOf(orderId)).json()).toMatchObject({ status: 'intercepted', deliveredAt: null });

    clock.advance(60_000);
    const returnedAt = clock.now().toISOString();
    expect((await postTrackingEvent({ id: 'evt-returned', trackingNumber, status: 'returned_to_sender' })).statusCode).toBe(200);
    expect((await postTrackingEvent({ trackingNumber, status: 'delivered' })).statusCode).toBe(200);
    const shipment = (await shipmentOf(orderId)).json();
    expect(shipment).toMatchObject({ status: 'returned_to_sender', deliveredAt: null });
    expect(shipment.history.map((h: { status: string; carrierEventId: string | null }) => [h.status, h.carrierEventId])).toEqual([
      ['dispatched', null],
      ['intercepted', 'evt-intercepted'],
      ['returned_to_sender', 'evt-returned'],
    ]);

    await t.drain();
    expect(publishedFor(orderId)).toEqual([
      ShippingMessages.shipmentDispatched,
      ShippingMessages.shipmentReturned,
      ShippingMessages.shipmentReturned,
    ]);
    const returned = published.filter(
      (m) => m.type === ShippingMessages.shipmentReturned && (m.data as { orderId: string }).orderId === orderId,
    );
    expect(returned.map((m) => m.data)).toEqual([
      { shipmentId, orderId, trackingNumber, reason: 'intercepted', occurredAt: interceptedAt },
      { shipmentId, orderId, trackingNumber, reason: 'returned_to_sender', occurredAt: returnedAt },
    ]);
  });

  it('an intercepted parcel delivered after all: the failed interception is recorded for staff and published, and is final', async () => {
    const dispatch = request();
    const { shipmentId } = await shipments.dispatch(dispatch, meta());
    const { trackingNumber, orderId } = dispatch;
    await postTrackingEvent({ id: 'evt-stopped', trackingNumber, status: 'intercepted' });
    clock.advance(60_000);
    const deliveredAt = clock.now().toISOString();
    expect((await postTrackingEvent({ id: 'evt-reached-customer', trackingNumber, status: 'delivered' })).json()).toEqual({
      received: true,
      duplicate: false,
    });
    for (const status of ['returned_to_sender', 'intercepted', 'in_transit'] as const)
      expect((await postTrackingEvent({ trackingNumber, status })).statusCode).toBe(200);

    const shipment = (await shipmentOf(orderId)).json();
    expect(shipment).toMatchObject({ status: 'delivered', deliveredAt, interceptionFailedAt: deliveredAt });
    expect(shipment.history.map((h: { status: string; carrierEventId: string | null }) => [h.status, h.carrierEventId])).toEqual([
      ['dispatched', null],
      ['intercepted', 'evt-stopped'],
      ['delivered', 'evt-reached-customer'],
    ]);
    await t.drain();
    // not shipment-delivered.v1: that never follows shipment-returned.v1
    expect(publishedFor(orderId)).toEqual([
      ShippingMessages.shipmentDispatched,
      ShippingMessages.shipmentReturned,
      ShippingMessages.shipmentInterceptionFailed,
    ]);
    expect(
      published.find((m) => m.type === ShippingMessages.shipmentInterceptionFailed && (m.data as { orderId: string }).orderId === orderId),
    ).toMatchObject({
      data: { shipmentId, orderId, trackingNumber, deliveredAt },
    });
  });

  it('a parcel returned to sender straight away is final too; a delivered one is never sent back by the carrier', async () => {
    const back = request();
    await shipments.dispatch(back, meta());
    await postTrackingEvent({ trackingNumber: back.trackingNumber, status: 'returned_to_sender' });
    await postTrackingEvent({ trackingNumber: back.trackingNumber, status: 'delivered' });
    expect((await shipmentOf(back.orderId)).json()).toMatchObject({ status: 'returned_to_sender', deliveredAt: null });

    const delivered = request();
    await shipments.dispatch(delivered, meta());
    await postTrackingEvent({ trackingNumber: delivered.trackingNumber, status: 'delivered' });
    for (const status of ['intercepted', 'returned_to_sender'] as const)
      await postTrackingEvent({ trackingNumber: delivered.trackingNumber, status });
    expect((await shipmentOf(delivered.orderId)).json()).toMatchObject({ status: 'delivered' });
    await t.drain();
    expect(publishedFor(back.orderId)).toEqual([ShippingMessages.shipmentDispatched, ShippingMessages.shipmentReturned]);
    expect(publishedFor(delivered.orderId)).toEqual([ShippingMessages.shipmentDispatched, ShippingMessages.shipmentDelivered]);
  });
});
