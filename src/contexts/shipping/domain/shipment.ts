import { Conflict, NotFound } from '../../../shared-kernel/errors';
import type { PostalAddress } from '../../../shared-kernel/postal-address';

/**
 * One shipment per order, stream `shipping.shipment-<orderId>`: handed to a carrier once, then moved by the
 * carrier's tracking events. Delivered and returned to sender are final. An intercepted parcel travels back to the
 * shop: its arrival there (returned to sender) moves it on, or a delivery to the customer, which is recorded as the
 * interception failing (staff must know: the order may have been cancelled and refunded meanwhile). A tracking event
 * that repeats the current status or arrives after the end changes nothing (carriers resend and reorder their events).
 */

export type Address = PostalAddress;
/** What a carrier reports about a parcel. */
export const TRACKING_STATUSES = ['in_transit', 'delivered', 'exception', 'intercepted', 'returned_to_sender'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

type Tracked = { shipmentId: string; orderId: string; trackingNumber: string; carrierEventId: string };
export type ShipmentDispatched = {
  type: 'ShipmentDispatched';
  data: { shipmentId: string; orderId: string; carrier: string; trackingNumber: string; address: Address; dispatchedAt: string };
};
export type ShipmentInTransit = { type: 'ShipmentInTransit'; data: Tracked & { occurredAt: string } };
export type ShipmentDelivered = { type: 'ShipmentDelivered'; data: Tracked & { deliveredAt: string } };
/** The carrier reports a problem (damaged, address not found…); the parcel may still move on afterwards. */
export type ShipmentExceptionReported = { type: 'ShipmentExceptionReported'; data: Tracked & { occurredAt: string } };
/** The carrier stopped the parcel on its way (usually at the shop's request): it goes back to the shop, not to the customer. */
export type ShipmentIntercepted = { type: 'ShipmentIntercepted'; data: Tracked & { occurredAt: string } };
/** The carrier brought the parcel back to the shop (refused, undeliverable, or intercepted before). */
export type ShipmentReturnedToSender = { type: 'ShipmentReturnedToSender'; data: Tracked & { occurredAt: string } };
/** The carrier delivered a parcel it had intercepted: the interception failed, the customer has the goods. */
export type ShipmentInterceptionFailed = { type: 'ShipmentInterceptionFailed'; data: Tracked & { deliveredAt: string } };
export type TrackingEvent =
  | ShipmentInTransit
  | ShipmentDelivered
  | ShipmentExceptionReported
  | ShipmentIntercepted
  | ShipmentReturnedToSender
  | ShipmentInterceptionFailed;
export type ShipmentEvent = ShipmentDispatched | TrackingEvent;

export type ShipmentStatus = 'dispatched' | TrackingStatus;
export type Shipment =
  { status: 'none' } | { status: ShipmentStatus; shipmentId: string; orderId: string; carrier: string; trackingNumber: string };

export const initialState = (): Shipment => ({ status: 'none' });

const STATUS_AFTER = {
  ShipmentInTransit: 'in_transit',
  ShipmentDelivered: 'delivered',
  ShipmentExceptionReported: 'exception',
  ShipmentIntercepted: 'intercepted',
  ShipmentReturnedToSender: 'returned_to_sender',
  ShipmentInterceptionFailed: 'delivered',
} as const satisfies Record<TrackingEvent['type'], TrackingStatus>;

/**
 * The tracking statuses each status may move to (the state machine as data): nothing leaves delivered or returned
 * to sender; an intercepted parcel arrives back, or is delivered after all (the interception failed). A status not
 * listed is a stale or repeated report: ignored.
 */
export const NEXT_STATUSES = {
  dispatched: ['in_transit', 'delivered', 'exception', 'intercepted', 'returned_to_sender'],
  in_transit: ['delivered', 'exception', 'intercepted', 'returned_to_sender'],
  exception: ['in_transit', 'delivered', 'intercepted', 'returned_to_sender'],
  intercepted: ['returned_to_sender', 'delivered'],
  delivered: [],
  returned_to_sender: [],
} as const satisfies Record<ShipmentStatus, readonly TrackingStatus[]>;

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

/** Records what the carrier reports about the parcel, when it moves the shipment on (see NEXT_STATUSES). */
export const track = (
  state: Shipment,
  cmd: { orderId: string; carrierEventId: string; status: TrackingStatus; occurredAt: Date },
): TrackingEvent[] => {
  if (state.status === 'none') throw new ShipmentNotFound({ orderId: cmd.orderId });
  if (!(NEXT_STATUSES[state.status] as readonly TrackingStatus[]).includes(cmd.status)) return [];
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
      return state.status === 'intercepted'
        ? [{ type: 'ShipmentInterceptionFailed', data: { ...tracked, deliveredAt: at } }]
        : [{ type: 'ShipmentDelivered', data: { ...tracked, deliveredAt: at } }];
    case 'exception':
      return [{ type: 'ShipmentExceptionReported', data: { ...tracked, occurredAt: at } }];
    case 'intercepted':
      return [{ type: 'ShipmentIntercepted', data: { ...tracked, occurredAt: at } }];
    case 'returned_to_sender':
      return [{ type: 'ShipmentReturnedToSender', data: { ...tracked, occurredAt: at } }];
  }
};
