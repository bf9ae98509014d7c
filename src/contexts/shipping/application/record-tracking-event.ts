import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, retryOnConflict, metaForStream } from '../../../platform/event-store/event-store';
import { Inbox } from '../../../platform/messaging/message-bus';
import { shipmentDecider, ShipmentNotFound, shipmentStream, track, type TrackingStatus } from '../domain/shipment';
import { findOrderByTrackingNumber } from './shipments.projection';

export type RecordTrackingEvent = {
  carrier: string;
  /** The carrier's id of this event: each is applied once, however often the carrier sends it. */
  eventId: string;
  trackingNumber: string;
  status: TrackingStatus;
  occurredAt: Date;
};

/**
 * Applies one tracking event of a carrier to the shipment of its tracking number: ShipmentInTransit,
 * ShipmentDelivered (ordering then marks the order delivered), ShipmentExceptionReported, ShipmentIntercepted /
 * ShipmentReturnedToSender (ordering then lets staff cancel the order), or ShipmentInterceptionFailed (delivered
 * after an interception: ordering records it, and delivers the order unless it was cancelled). The carrier's event id
 * is recorded in the inbox in the same transaction, so a resent event changes nothing. An unknown tracking number
 * is 404 and leaves no trace, so the carrier's retry after the dispatch is recorded still applies.
 */
@Injectable()
export class RecordTrackingEventHandler {
  constructor(
    private readonly events: EventStore,
    private readonly inbox: Inbox,
  ) {}

  async execute(cmd: RecordTrackingEvent, meta: CommandMeta): Promise<{ duplicate: boolean }> {
    const applied = await retryOnConflict(() =>
      this.inbox.handleOnce(`shipping.${cmd.carrier}-tracking`, cmd.eventId, async (tx) => {
        const orderId = await findOrderByTrackingNumber(tx, cmd.carrier, cmd.trackingNumber);
        if (!orderId) throw new ShipmentNotFound({ carrier: cmd.carrier, trackingNumber: cmd.trackingNumber });
        const stream = shipmentStream(orderId);
        await this.events.decide(
          stream,
          shipmentDecider,
          (state) => track(state, { orderId, carrierEventId: cmd.eventId, status: cmd.status, occurredAt: cmd.occurredAt }),
          metaForStream(meta, stream, `${cmd.carrier}:${cmd.eventId}`),
          { tx },
        );
      }),
    );
    return { duplicate: !applied };
  }
}
