import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderDecider, orderStream } from '../domain/order';
import { recordParcelReturn } from '../domain/order-fulfilment';
import type { ParcelReturnReason } from '../domain/order-lifecycle.events';

/** `reportedAt`: when the carrier saw it (default: now). */
export type RecordParcelReturn = { orderId: string; reason: ParcelReturnReason; reportedAt?: Date };

/**
 * The carrier's tracking says a shipped order's parcel was intercepted or returned to sender: the order records it
 * (OrderParcelReturned), which lets staff cancel it. A repeated report is a no-op. Joins the caller's transaction.
 */
@Injectable()
export class RecordParcelReturnHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: RecordParcelReturn, meta: CommandMeta, tx?: Sql): Promise<void> {
    await this.events.decide(
      orderStream(cmd.orderId),
      orderDecider,
      (s) => recordParcelReturn(s, { orderId: cmd.orderId, reason: cmd.reason, now: cmd.reportedAt ?? meta.now }),
      meta,
      { tx },
    );
  }
}
