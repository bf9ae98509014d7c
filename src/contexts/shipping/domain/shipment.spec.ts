import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  AlreadyDispatched,
  dispatch,
  NEXT_STATUSES,
  shipmentDecider,
  ShipmentNotFound,
  track,
  TRACKING_STATUSES,
  type Shipment,
  type ShipmentEvent,
  type TrackingStatus,
} from './shipment';

const given = deciderSpec(shipmentDecider);
const orderId = '0190f000-0000-7000-8000-000000000001';
const shipmentId = '0190f000-0000-7000-8000-0000000000aa';
const address = { name: 'Ada', line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' };
const now = new Date('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const request = { shipmentId, orderId, carrier: 'sandbox', trackingNumber: 'SBX000000001', address, now };

const dispatched: ShipmentEvent = {
  type: 'ShipmentDispatched',
  data: { shipmentId, orderId, carrier: 'sandbox', trackingNumber: 'SBX000000001', address, dispatchedAt: now.toISOString() },
};
const tracked = (carrierEventId: string) => ({ shipmentId, orderId, trackingNumber: 'SBX000000001', carrierEventId });
const inTransit: ShipmentEvent = { type: 'ShipmentInTransit', data: { ...tracked('e1'), occurredAt: at(1).toISOString() } };
const delivered: ShipmentEvent = { type: 'ShipmentDelivered', data: { ...tracked('e2'), deliveredAt: at(2).toISOString() } };
const exception: ShipmentEvent = { type: 'ShipmentExceptionReported', data: { ...tracked('e3'), occurredAt: at(3).toISOString() } };
const intercepted: ShipmentEvent = { type: 'ShipmentIntercepted', data: { ...tracked('e4'), occurredAt: at(4).toISOString() } };
const returned: ShipmentEvent = { type: 'ShipmentReturnedToSender', data: { ...tracked('e5'), occurredAt: at(5).toISOString() } };
const report = (carrierEventId: string, status: TrackingStatus, minutes: number) => (s: Shipment) =>
  track(s, { orderId, carrierEventId, status, occurredAt: at(minutes) });

describe('shipment decider', () => {
  describe('dispatch', () => {
    it('hands an undispatched order to the carrier', () =>
      given([])
        .when((s) => dispatch(s, request))
        .then([dispatched]));
    it('is a no-op repeated with the same carrier and tracking number', () =>
      given([dispatched])
        .when((s) => dispatch(s, { ...request, shipmentId: 'another-id' }))
        .then([]));
    it('refuses another tracking number or carrier', () => {
      given([dispatched])
        .when((s) => dispatch(s, { ...request, trackingNumber: 'SBX000000002' }))
        .thenThrows(AlreadyDispatched, 'shipping.already_dispatched');
      given([dispatched])
        .when((s) => dispatch(s, { ...request, carrier: 'other' }))
        .thenThrows(AlreadyDispatched, 'shipping.already_dispatched');
    });
    it('refuses a new dispatch even after delivery', () =>
      given([dispatched, delivered])
        .when((s) => dispatch(s, { ...request, trackingNumber: 'SBX000000009' }))
        .thenThrows(AlreadyDispatched));
  });

  describe('track', () => {
    it('moves a dispatched shipment in transit, then delivered', () => {
      given([dispatched])
        .when(report('e1', 'in_transit', 1))
        .then([inTransit]);
      given([dispatched, inTransit])
        .when(report('e2', 'delivered', 2))
        .then([delivered]);
    });
    it('records delivery even when the in-transit scan never came', () =>
      given([dispatched])
        .when(report('e2', 'delivered', 2))
        .then([delivered]));
    it('records an exception, after which the parcel may still move on', () => {
      given([dispatched, inTransit])
        .when(report('e3', 'exception', 3))
        .then([exception]);
      given([dispatched, inTransit, exception])
        .when(report('e2', 'delivered', 2))
        .then([delivered]);
    });
    it('ignores a repeated status and anything after delivery', () => {
      given([dispatched, inTransit])
        .when(report('e9', 'in_transit', 9))
        .then([]);
      given([dispatched, delivered])
        .when(report('e9', 'in_transit', 9))
        .then([]);
      given([dispatched, delivered])
        .when(report('e9', 'delivered', 9))
        .then([]);
      given([dispatched, delivered])
        .when(report('e9', 'exception', 9))
        .then([]);
    });
    it('records an interception, then the return to sender, from any status before the end', () => {
      for (const before of [[dispatched], [dispatched, inTransit], [dispatched, inTransit, exception]]) {
        given(before)
          .when(report('e4', 'intercepted', 4))
          .then([intercepted]);
        given(before)
          .when(report('e5', 'returned_to_sender', 5))
          .then([returned]);
      }
      given([dispatched, inTransit, intercepted])
        .when(report('e5', 'returned_to_sender', 5))
        .then([returned]);
    });
    it('an intercepted parcel on its way back: scans and exceptions do not move it on, its return does', () => {
      for (const status of ['in_transit', 'exception', 'intercepted'] as const)
        given([dispatched, intercepted])
          .when(report('e9', status, 9))
          .then([]);
    });
    it('an intercepted parcel delivered after all: the interception failed, recorded (not dropped) and final', () => {
      const failed: ShipmentEvent = { type: 'ShipmentInterceptionFailed', data: { ...tracked('e9'), deliveredAt: at(9).toISOString() } };
      given([dispatched, intercepted])
        .when(report('e9', 'delivered', 9))
        .then([failed]);
      given([dispatched, intercepted, failed]).thenState({
        status: 'delivered',
        shipmentId,
        orderId,
        carrier: 'sandbox',
        trackingNumber: 'SBX000000001',
      });
      for (const status of TRACKING_STATUSES)
        given([dispatched, intercepted, failed])
          .when(report('e10', status, 10))
          .then([]);
    });
    it('returned to sender is final: a later delivery, interception or scan changes nothing', () => {
      for (const status of TRACKING_STATUSES)
        given([dispatched, inTransit, returned])
          .when(report('e9', status, 9))
          .then([]);
    });
    it('a delivered parcel is not intercepted or returned afterwards (returns of delivered goods go through the order)', () => {
      given([dispatched, delivered])
        .when(report('e9', 'intercepted', 9))
        .then([]);
      given([dispatched, delivered])
        .when(report('e9', 'returned_to_sender', 9))
        .then([]);
    });
    it('the state machine: only delivered and returned to sender are final; a repeated status is never a move', () => {
      const final = Object.entries(NEXT_STATUSES).filter(([, next]) => next.length === 0);
      expect(final.map(([status]) => status).sort()).toEqual(['delivered', 'returned_to_sender']);
      for (const [status, next] of Object.entries(NEXT_STATUSES)) expect(next, status).not.toContain(status);
    });
    it('refuses tracking for a shipment that does not exist', () =>
      given([])
        .when(report('e1', 'in_transit', 1))
        .thenThrows(ShipmentNotFound, 'shipping.shipment_not_found'));
    it('evolves the status', () =>
      given([dispatched, inTransit, exception]).thenState({
        status: 'exception',
        shipmentId,
        orderId,
        carrier: 'sandbox',
        trackingNumber: 'SBX000000001',
      }));
  });
});
