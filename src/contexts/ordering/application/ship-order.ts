import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { Shipments } from '../../shipping/contracts';
import { OrderNotFound, orderDecider, orderStream } from '../domain/order';
import { checkShippable, ship } from '../domain/order-fulfilment';
import { getOrder } from './orders.projection';

export type ShipOrder = { orderId: string; carrier: string; trackingNumber: string };

/**
 * Staff hand a paid order to a carrier: shipping registers the parcel (it refuses an unknown carrier or a tracking
 * number the carrier does not accept), then the order records it. Shipping the same parcel again is a no-op.
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
    const { state } = await this.events.aggregate(stream, orderDecider);
    if (checkShippable(state, cmd) === 'shipped') return;
    const found = await getOrder(this.db, cmd.orderId);
    if (!found) throw new OrderNotFound(cmd.orderId);
    const { shipmentId } = await this.shipments.dispatch(
      { orderId: cmd.orderId, carrier: cmd.carrier, trackingNumber: cmd.trackingNumber, address: found.order.shippingAddress },
      // command ids are unique across streams: shipping's append gets its own
      { ...meta, commandId: `${meta.commandId}:shipping` },
    );
    await this.events.decide(stream, orderDecider, (s) => ship(s, { ...cmd, shipmentId, now: meta.now }), meta);
  }
}
