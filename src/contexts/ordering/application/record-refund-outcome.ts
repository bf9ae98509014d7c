import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderDecider, orderStream } from '../domain/order';
import { recordRefund, rejectRefund } from '../domain/order-refunds';

export type RecordRefundOutcome = { orderId: string; refundId: string } & (
  { outcome: 'refunded' } | { outcome: 'rejected'; reason: string }
);

/** Payment's answer to one of the order's refunds; answers for refunds the order did not ask for are ignored. */
@Injectable()
export class RecordRefundOutcomeHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: RecordRefundOutcome, meta: CommandMeta, tx: Sql): Promise<void> {
    const { orderId, refundId } = cmd;
    await this.events.decide(
      orderStream(orderId),
      orderDecider,
      (s) =>
        cmd.outcome === 'refunded'
          ? recordRefund(s, { orderId, refundId, now: meta.now })
          : rejectRefund(s, { orderId, refundId, reason: cmd.reason, now: meta.now }),
      meta,
      { tx },
    );
  }
}
