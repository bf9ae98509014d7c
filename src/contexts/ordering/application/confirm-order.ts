import { Injectable, Optional } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { confirm, orderStream } from '../domain/order';
import { CheckoutMetrics, NO_CHECKOUT_METRICS, orderWithPlacedAt } from './checkout-metrics';

export type ConfirmOrder = { orderId: string };

/** Confirms a placed order once its checkout completed; confirming twice is a no-op. Joins the caller's transaction. */
@Injectable()
export class ConfirmOrderHandler {
  constructor(
    private readonly events: EventStore,
    @Optional() private readonly metrics: CheckoutMetrics = NO_CHECKOUT_METRICS,
  ) {}

  async execute(cmd: ConfirmOrder, meta: CommandMeta, tx?: Sql): Promise<void> {
    const { events, state, duplicate } = await this.events.decide(
      orderStream(cmd.orderId),
      orderWithPlacedAt,
      ({ order }) => confirm(order, { orderId: cmd.orderId, now: meta.now }),
      meta,
      { tx },
    );
    if (duplicate || events.length === 0 || state.order.status === 'none' || !state.placedAt) return;
    this.metrics.ended({ outcome: 'confirmed', total: state.order.total, placedAt: state.placedAt, endedAt: meta.now }, tx);
  }
}
