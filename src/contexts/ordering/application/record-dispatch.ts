import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderDecider, orderStream } from '../domain/order';
import { ship } from '../domain/order-fulfilment';

export type RecordDispatch = { orderId: string; shipmentId: string; carrier: string; trackingNumber: string; dispatchedAt: Date };

/**
 * Shipping registered the order's parcel with its carrier (`shipping.shipment-dispatched.v1`): the order is shipped,
 * unless the ship request already said so (then a no-op). This heals a dispatch cut off between shipping's record
 * and the order's. Joins the caller's transaction.
 */
@Injectable()
export class RecordDispatchHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: RecordDispatch, meta: CommandMeta, tx?: Sql): Promise<void> {
    const { dispatchedAt, ...parcel } = cmd;
    await this.events.decide(orderStream(cmd.orderId), orderDecider, (s) => ship(s, { ...parcel, now: dispatchedAt }), meta, { tx });
  }
}
