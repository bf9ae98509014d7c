import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { DomainError } from '../../../shared-kernel/errors';
import { Shipments } from '../../shipping/contracts';
import { OrderNotFound, orderDecider, orderStream } from '../domain/order';
import { failDispatch, requestDispatch, ship } from '../domain/order-fulfilment';
import { getOrder } from './orders.projection';

export type ShipOrder = { orderId: string; carrier: string; trackingNumber: string };

/**
 * Staff hand a paid order to a carrier, in three steps so that no one cancels (refunds and restocks) an order whose
 * parcel is leaving: the order records the request (OrderDispatchRequested, at the version it was read), shipping
 * registers the parcel, then the order records it (OrderShipped). What shipping refuses on its own (an unknown
 * carrier, another order's tracking number) is refused before anything is recorded; a refusal that needed the carrier
 * (a tracking number it does not take) is recorded (OrderDispatchFailed) and frees the order; any other
 * failure leaves it dispatching, and repeating the request finishes it (shipping answers the same parcel again; its
 * own `shipping.shipment-dispatched.v1` also ships the order). Shipping the same parcel again is a no-op.
 */
@Injectable()
export class ShipOrderHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
    private readonly shipments: Shipments,
  ) {}

  async execute(cmd: ShipOrder, meta: CommandMeta): Promise<void> {
    const stream = orderStream(cmd.orderId);
    const found = await getOrder(this.db, cmd.orderId);
    if (!found) throw new OrderNotFound(cmd.orderId);
    // refused before anything is recorded: an unknown carrier, another order's tracking number
    await this.shipments.checkDispatch(cmd);
    // one command appends to the order stream up to three times, and once to shipping's: each append its own id
    const step = (name: string): CommandMeta => ({ ...meta, commandId: `${meta.commandId}:${name}` });
    const requested = await this.events.decide(
      stream,
      orderDecider,
      (s) => requestDispatch(s, { ...cmd, now: meta.now }),
      step('dispatch'),
    );
    if (requested.state.status !== 'none' && requested.state.shipment) return;

    let shipmentId: string;
    try {
      ({ shipmentId } = await this.shipments.dispatch(
        { orderId: cmd.orderId, carrier: cmd.carrier, trackingNumber: cmd.trackingNumber, address: found.order.shippingAddress },
        step('shipping'),
      ));
    } catch (error) {
      if (error instanceof DomainError) {
        const failure = { ...cmd, code: error.code, now: meta.now };
        await this.events.decide(stream, orderDecider, (s) => failDispatch(s, failure), step('dispatch-failed'));
      }
      throw error;
    }
    await this.events.decide(stream, orderDecider, (s) => ship(s, { ...cmd, shipmentId, now: meta.now }), meta);
  }
}
