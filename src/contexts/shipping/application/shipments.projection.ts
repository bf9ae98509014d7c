import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import type { Address, ShipmentEvent, ShipmentStatus } from '../domain/shipment';

/**
 * `shipping.shipments` and `shipping.tracking_history`, written in the append transaction: staff read a shipment
 * as soon as it is dispatched, the webhook finds the order of a tracking number, and the unique
 * (carrier, tracking_number) key refuses one parcel for two orders even when two dispatches race.
 */
export const shipmentsProjection: InlineProjection = {
  name: 'shipping.shipments',
  handles: [
    'ShipmentDispatched',
    'ShipmentInTransit',
    'ShipmentDelivered',
    'ShipmentExceptionReported',
    'ShipmentIntercepted',
    'ShipmentReturnedToSender',
    'ShipmentInterceptionFailed',
  ],
  async apply(tx, events) {
    for (const event of events as RecordedEvent<ShipmentEvent>[]) await applyEvent(tx, event);
  },
};

const STATUS: Record<ShipmentEvent['type'], ShipmentStatus> = {
  ShipmentDispatched: 'dispatched',
  ShipmentInTransit: 'in_transit',
  ShipmentDelivered: 'delivered',
  ShipmentExceptionReported: 'exception',
  ShipmentIntercepted: 'intercepted',
  ShipmentReturnedToSender: 'returned_to_sender',
  ShipmentInterceptionFailed: 'delivered',
};

const applyEvent = async (tx: Sql, event: RecordedEvent<ShipmentEvent>): Promise<void> => {
  const { orderId } = event.data;
  const status = STATUS[event.type];
  let occurredAt: string;
  let carrierEventId: string | null = null;
  if (event.type === 'ShipmentDispatched') {
    const { shipmentId, carrier, trackingNumber, address, dispatchedAt } = event.data;
    occurredAt = dispatchedAt;
    await tx.query(
      `insert into shipping.shipments (order_id, shipment_id, carrier, tracking_number, status, address, dispatched_at, version)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [orderId, shipmentId, carrier, trackingNumber, status, JSON.stringify(address), dispatchedAt, event.version],
    );
  } else {
    const failedInterception = event.type === 'ShipmentInterceptionFailed';
    occurredAt = event.type === 'ShipmentDelivered' || failedInterception ? event.data.deliveredAt : event.data.occurredAt;
    carrierEventId = event.data.carrierEventId;
    await tx.query(
      `update shipping.shipments
          set status = $2, version = $3, delivered_at = case when $2 = 'delivered' then $4::timestamptz else delivered_at end,
              interception_failed_at = case when $5 then $4::timestamptz else interception_failed_at end
        where order_id = $1`,
      [orderId, status, event.version, occurredAt, failedInterception],
    );
  }
  await tx.query(
    `insert into shipping.tracking_history (order_id, version, status, carrier_event_id, occurred_at, recorded_at)
     values ($1, $2, $3, $4, $5, $6)`,
    [orderId, event.version, status, carrierEventId, occurredAt, event.metadata.occurredAt],
  );
};

export type TrackingEntry = { status: ShipmentStatus; occurredAt: string; recordedAt: string; carrierEventId: string | null };
export type ShipmentView = {
  shipmentId: string;
  orderId: string;
  carrier: string;
  trackingNumber: string;
  status: ShipmentStatus;
  address: Address;
  dispatchedAt: string;
  deliveredAt: string | null;
  /** the carrier delivered the parcel after it had reported it intercepted */
  interceptionFailedAt: string | null;
  history: TrackingEntry[];
};

type ShipmentRow = {
  shipment_id: string;
  order_id: string;
  carrier: string;
  tracking_number: string;
  status: ShipmentStatus;
  address: Address;
  dispatched_at: Date;
  delivered_at: Date | null;
  interception_failed_at: Date | null;
};
type HistoryRow = { status: ShipmentStatus; occurred_at: Date; recorded_at: Date; carrier_event_id: string | null };

/** A shipment with its tracking history, oldest first. */
export const getShipment = async (db: Sql, orderId: string): Promise<ShipmentView | null> => {
  const { rows } = await db.query<ShipmentRow>(
    `select shipment_id, order_id, carrier, tracking_number, status, address, dispatched_at, delivered_at, interception_failed_at
       from shipping.shipments where order_id = $1`,
    [orderId],
  );
  const row = rows[0];
  if (!row) return null;
  const history = await db.query<HistoryRow>(
    `select status, occurred_at, recorded_at, carrier_event_id from shipping.tracking_history where order_id = $1 order by version`,
    [orderId],
  );
  return {
    shipmentId: row.shipment_id,
    orderId: row.order_id,
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    status: row.status,
    address: row.address,
    dispatchedAt: row.dispatched_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    interceptionFailedAt: row.interception_failed_at?.toISOString() ?? null,
    history: history.rows.map((h) => ({
      status: h.status,
      occurredAt: h.occurred_at.toISOString(),
      recordedAt: h.recorded_at.toISOString(),
      carrierEventId: h.carrier_event_id,
    })),
  };
};

/** The order a carrier's tracking number was dispatched for. */
export const findOrderByTrackingNumber = async (db: Sql, carrier: string, trackingNumber: string): Promise<string | null> => {
  const { rows } = await db.query<{ order_id: string }>(
    `select order_id from shipping.shipments where carrier = $1 and tracking_number = $2`,
    [carrier, trackingNumber],
  );
  return rows[0]?.order_id ?? null;
};
