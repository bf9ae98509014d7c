import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderDecider, orderStream } from '../domain/order';
import { recordInterceptionFailure, type ShipmentFact } from '../domain/order-fulfilment';

export type RecordInterceptionFailure = { orderId: string; shipment: ShipmentFact; deliveredAt: Date };

/**
 * The carrier delivered a parcel it had reported intercepted: the order records it (ParcelInterceptionFailed) for staff
 * to see, and is delivered unless it was cancelled meanwhile. No money moves: a cancelled order keeps its refund (see
 * ADR 0021). A repeated report is a no-op. Joins the caller's transaction.
 */
@Injectable()
export class RecordInterceptionFailureHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: RecordInterceptionFailure, meta: CommandMeta, tx?: Sql): Promise<void> {
    const { orderId, shipment } = cmd;
    await this.events.decide(
      orderStream(orderId),
      orderDecider,
      (s) => recordInterceptionFailure(s, { orderId, shipment, now: cmd.deliveredAt }),
      meta,
      { tx },
    );
  }
}
