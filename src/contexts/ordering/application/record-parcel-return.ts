import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderDecider, orderStream } from '../domain/order';
import { recordParcelReturn, type ShipmentFact } from '../domain/order-fulfilment';
import type { ParcelReturnReason } from '../domain/order-lifecycle.events';

/** `reportedAt`: when the carrier saw it (default: now). */
export type RecordParcelReturn = { orderId: string; reason: ParcelReturnReason; shipment: ShipmentFact; reportedAt?: Date };

/**
 * The carrier's tracking says a shipped order's parcel was intercepted or returned to sender: the order records it
 * (OrderParcelReturned), which lets staff cancel it, or, for an order cancelled while the parcel was on its way back,
 * tells inventory the goods are back. A repeated report is a no-op. Joins the caller's transaction.
 */
@Injectable()
export class RecordParcelReturnHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: RecordParcelReturn, meta: CommandMeta, tx?: Sql): Promise<void> {
    const { orderId, reason, shipment } = cmd;
    await this.events.decide(
      orderStream(orderId),
      orderDecider,
      (s) => recordParcelReturn(s, { orderId, reason, shipment, now: cmd.reportedAt ?? meta.now }),
      meta,
      { tx },
    );
  }
}
