import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderDecider, orderStream } from '../domain/order';
import { cancel } from '../domain/order-cancellation';

export type CancelOrder = { orderId: string; reason: string };

/** Cancels a placed order with a reason (its checkout failed and compensates); cancelling twice is a no-op. Joins the caller's transaction. */
@Injectable()
export class CancelOrderHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: CancelOrder, meta: CommandMeta, tx?: Sql): Promise<void> {
    await this.events.decide(
      orderStream(cmd.orderId),
      orderDecider,
      (state) => cancel(state, { orderId: cmd.orderId, reason: cmd.reason, now: meta.now }),
      meta,
      { tx },
    );
  }
}
