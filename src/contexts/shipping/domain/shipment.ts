import { Conflict, NotFound } from '../../../shared-kernel/errors';
import type { PostalAddress } from '../../../shared-kernel/postal-address';

/**
 * One shipment per order, stream `shipping.shipment-<orderId>`: handed to a carrier once, then moved by the
 * carrier's tracking events. Delivered is final; a tracking event that repeats the current status or arrives after
 * delivery changes nothing (carriers resend and reorder their events).
 */

export type Address = PostalAddress;
export type TrackingStatus = 'in_transit' | 'delivered' | 'exception';

type Tracked = { shipmentId: string; orderId: string; trackingNumber: string; carrierEventId: string };
export type ShipmentDispatched = {
  type: 'ShipmentDispatched';
  data: { shipmentId: string; orderId: string; carrier: string; trackingNumber: string; address: Address; dispatchedAt: string };
};
export type ShipmentInTransit = { type: 'ShipmentInTransit'; data: Tracked & { occurredAt: string } };
export type ShipmentDelivered = { type: 'ShipmentDelivered'; data: Tracked & { deliveredAt: string } };
/** The carrier reports a problem (damaged, address not found…); the parcel may still move on afterwards. */
export type ShipmentExceptionReported = { type: 'ShipmentExceptionReported'; data: Tracked & { occurredAt: string } };
export type ShipmentEvent = ShipmentDispatched | ShipmentInTransit | ShipmentDelivered | ShipmentExceptionReported;

export type ShipmentStatus = 'dispatched' | TrackingStatus;
export type Shipment =
  { status: 'none' } | { status: ShipmentStatus; shipmentId: string; orderId: string; carrier: string; trackingNumber: string };

export const initialState = (): Shipment => ({ status: 'none' });

const STATUS_AFTER = {
  ShipmentInTransit: 'in_transit',
  ShipmentDelivered: 'delivered',
  ShipmentExceptionReported: 'exception',
} as const satisfies Record<Exclude<ShipmentEvent['type'], 'ShipmentDispatched'>, TrackingStatus>;

export const evolve = (state: Shipment, event: ShipmentEvent): Shipment => {
  if (event.type === 'ShipmentDispatched') {
    const { shipmentId, orderId, carrier, trackingNumber } = event.data;
    return { status: 'dispatched', shipmentId, orderId, carrier, trackingNumber };
  }
  return state.status === 'none' ? state : { ...state, status: STATUS_AFTER[event.type] };
};

export const shipmentDecider = { initialState, evolve };
export const shipmentStream = (orderId: string): string => `shipping.shipment-${orderId}`;

export class AlreadyDispatched extends Conflict {
  constructor(orderId: string) {
    super('shipping.already_dispatched', 'this order was already dispatched with another carrier or tracking number', { orderId });
  }
}

export class ShipmentNotFound extends NotFound {
  constructor(details: Record<string, unknown>) {
    super('shipping.shipment_not_found', 'no shipment matches', details);
  }
}

/** Hands the order to a carrier; the same carrier and tracking number again is a repeat (no event). */
export const dispatch = (
  state: Shipment,
  cmd: { shipmentId: string; orderId: string; carrier: string; trackingNumber: string; address: Address; now: Date },
): ShipmentDispatched[] => {
  if (state.status !== 'none') {
    if (state.carrier === cmd.carrier && state.trackingNumber === cmd.trackingNumber) return [];
    throw new AlreadyDispatched(cmd.orderId);
  }
  const { shipmentId, orderId, carrier, trackingNumber, address, now } = cmd;
  return [{ type: 'ShipmentDispatched', data: { shipmentId, orderId, carrier, trackingNumber, address, dispatchedAt: now.toISOString() } }];
};

/** Records what the carrier reports about the parcel, when it moves the shipment on. */
export const track = (
  state: Shipment,
  cmd: { orderId: string; carrierEventId: string; status: TrackingStatus; occurredAt: Date },
): (ShipmentInTransit | ShipmentDelivered | ShipmentExceptionReported)[] => {
  if (state.status === 'none') throw new ShipmentNotFound({ orderId: cmd.orderId });
  if (state.status === 'delivered' || state.status === cmd.status) return [];
  const tracked: Tracked = {
    shipmentId: state.shipmentId,
    orderId: state.orderId,
    trackingNumber: state.trackingNumber,
    carrierEventId: cmd.carrierEventId,
  };
  const at = cmd.occurredAt.toISOString();
  switch (cmd.status) {
    case 'in_transit':
      return [{ type: 'ShipmentInTransit', data: { ...tracked, occurredAt: at } }];
    case 'delivered':
      return [{ type: 'ShipmentDelivered', data: { ...tracked, deliveredAt: at } }];
    case 'exception':
      return [{ type: 'ShipmentExceptionReported', data: { ...tracked, occurredAt: at } }];
  }
};
