import { Injectable, Optional } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderStream } from '../domain/order';
import { cancel } from '../domain/order-cancellation';
import { CheckoutMetrics, NO_CHECKOUT_METRICS, orderWithPlacedAt } from './checkout-metrics';

export type CancelOrder = { orderId: string; reason: string };

/** Cancels a placed order with a reason (its checkout failed and compensates); cancelling twice is a no-op. Joins the caller's transaction. */
@Injectable()
export class CancelOrderHandler {
  constructor(
    private readonly events: EventStore,
    @Optional() private readonly metrics: CheckoutMetrics = NO_CHECKOUT_METRICS,
  ) {}

  async execute(cmd: CancelOrder, meta: CommandMeta, tx?: Sql): Promise<void> {
    const { events, state, duplicate } = await this.events.decide(
      orderStream(cmd.orderId),
      orderWithPlacedAt,
      ({ order }) => cancel(order, { orderId: cmd.orderId, reason: cmd.reason, now: meta.now }),
      meta,
      { tx },
    );
    if (duplicate || events.length === 0 || !state.placedAt) return;
    this.metrics.ended({ outcome: 'cancelled', reason: cmd.reason, placedAt: state.placedAt, endedAt: meta.now }, tx);
  }
}
