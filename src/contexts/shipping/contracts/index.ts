import type { CommandMeta } from '../../../platform/event-store/event-store';
import type { Money } from '../../../shared-kernel/money';
import type { PostalAddress } from '../../../shared-kernel/postal-address';

/**
 * Shipping's public contract: rates for checkout, dispatching an order to a carrier, and the integration events
 * its shipments publish. Wire names are versioned; consumers must tolerate extra fields.
 */

export const ShippingMessages = {
  shipmentDispatched: 'shipping.shipment-dispatched.v1',
  shipmentInTransit: 'shipping.shipment-in-transit.v1',
  shipmentDelivered: 'shipping.shipment-delivered.v1',
  shipmentReturned: 'shipping.shipment-returned.v1',
  shipmentInterceptionFailed: 'shipping.shipment-interception-failed.v1',
} as const;

/**
 * Why a parcel will not reach the customer, as its carrier reports it: `intercepted` (stopped on its way, travelling
 * back to the shop) or `returned_to_sender` (back at the shop). The one list of these words: parse them with
 * `z.enum(PARCEL_RETURN_REASONS)`.
 */
export const PARCEL_RETURN_REASONS = ['intercepted', 'returned_to_sender'] as const;
export type ParcelReturnReason = (typeof PARCEL_RETURN_REASONS)[number];

export type ShipmentDispatchedV1 = { shipmentId: string; orderId: string; carrier: string; trackingNumber: string; dispatchedAt: string };
export type ShipmentInTransitV1 = { shipmentId: string; orderId: string; trackingNumber: string; occurredAt: string };
/** The carrier reports the parcel delivered; ordering marks the order delivered. */
export type ShipmentDeliveredV1 = { shipmentId: string; orderId: string; trackingNumber: string; deliveredAt: string };
/**
 * The parcel will not reach the customer: the carrier `intercepted` it (it is on its way back) or it was
 * `returned_to_sender` (it is back). An intercepted parcel is usually reported again once it is back. Ordering then
 * lets staff cancel the shipped order. Never followed by `shipping.shipment-delivered.v1` for the same shipment; an
 * interception that fails is `shipping.shipment-interception-failed.v1`.
 */
export type ShipmentReturnedV1 = {
  shipmentId: string;
  orderId: string;
  trackingNumber: string;
  reason: ParcelReturnReason;
  occurredAt: string;
};
/**
 * The carrier delivered a parcel it had reported intercepted: the interception failed and the customer has the goods.
 * Published instead of `shipping.shipment-delivered.v1`; nothing follows it (delivered is final).
 */
export type ShipmentInterceptionFailedV1 = { shipmentId: string; orderId: string; trackingNumber: string; deliveredAt: string };

/** A shipping method's price for one parcel to one country. */
export type ShippingQuote = { code: string; name: string; price: Money };

/**
 * Rates for checkout. Only active methods in `currency` that ship to the country and accept the parcel's weight are
 * offered. `subtotal` (optional, minor units of `currency`) is the goods' value a method's free-shipping threshold
 * (`freeOver`) is compared with: pass it and a method whose threshold is reached costs 0.
 */
export abstract class ShippingRates {
  /** Methods that ship to `country` (ISO 3166-1 alpha-2) with their price for a parcel of `weightGrams`, cheapest first. */
  abstract quoteAll(country: string, weightGrams: number, currency: string, subtotal?: number): Promise<ShippingQuote[]>;
  /** One method's price, or null when the method does not exist, is inactive, or is not offered for this parcel. */
  abstract quote(code: string, country: string, weightGrams: number, currency: string, subtotal?: number): Promise<ShippingQuote | null>;
}

export type DispatchRequest = {
  orderId: string;
  carrier: string;
  trackingNumber: string;
  address: PostalAddress;
};

/** Hands an order to a carrier (through the Carrier port). */
export abstract class Shipments {
  /**
   * Registers the parcel with the carrier and records the shipment. Idempotent per order: dispatching an order again
   * with the same carrier and tracking number returns the same shipment; a different one is refused (409
   * `shipping.already_dispatched`). An unknown carrier or a tracking number the carrier refuses is 422
   * (`shipping.unknown_carrier`, `shipping.tracking_number_refused`).
   */
  abstract dispatch(request: DispatchRequest, meta: CommandMeta): Promise<{ shipmentId: string }>;
  /**
   * What shipping refuses without asking the carrier: an unknown carrier (422 `shipping.unknown_carrier`) or a
   * tracking number of another order (409 `shipping.tracking_number_in_use`). Ordering asks before it records a
   * dispatch, so a ship request refused for these reasons writes nothing; `dispatch` checks the same again.
   */
  abstract checkDispatch(request: Pick<DispatchRequest, 'orderId' | 'carrier' | 'trackingNumber'>): Promise<void>;
}
