import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { newId } from '../../../shared-kernel/ids';
import { orderDecider, orderStream } from '../domain/order';
import type { RefundRequested } from '../domain/order-lifecycle.events';
import { requestRefund } from '../domain/order-refunds';

export type RequestRefund = { orderId: string; amount: number; note?: string };

/**
 * An admin gives part of the captured money back (goodwill). The order's decider reserves the amount in the same
 * append, so refunds asked for at the same time never add up to more than was captured; payment carries it out
 * (`payment.refund-payment.v1`, through the outbox) and answers refunded or rejected.
 */
@Injectable()
export class RequestRefundHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: RequestRefund, meta: CommandMeta): Promise<RefundRequested['data']> {
    const refundId = newId();
    const { events } = await this.events.decide(
      orderStream(cmd.orderId),
      orderDecider,
      (s) => requestRefund(s, { ...cmd, refundId, reason: 'goodwill', now: meta.now }),
      meta,
    );
    // a repeated command returns the events of its first run, with the refund id it chose
    return (events[0] as RefundRequested).data;
  }
}
