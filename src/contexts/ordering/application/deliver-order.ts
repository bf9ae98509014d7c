import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderDecider, orderStream } from '../domain/order';
import { deliver, type ShipmentFact } from '../domain/order-fulfilment';

/** `deliveredAt`: when the carrier saw it delivered (default: now); `shipment`: the carrier's parcel, when it reports. */
export type DeliverOrder = { orderId: string; deliveredAt?: Date; shipment?: ShipmentFact };

/**
 * A shipped order reached its customer: staff say so, or the carrier's tracking does (which also ships an order still
 * waiting to hear that its parcel was dispatched); the second report is a no-op. Joins the caller's transaction.
 */
@Injectable()
export class DeliverOrderHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: DeliverOrder, meta: CommandMeta, tx?: Sql): Promise<void> {
    await this.events.decide(
      orderStream(cmd.orderId),
      orderDecider,
      (s) => deliver(s, { orderId: cmd.orderId, shipment: cmd.shipment, now: cmd.deliveredAt ?? meta.now }),
      meta,
      { tx },
    );
  }
}
