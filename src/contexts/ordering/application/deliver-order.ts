import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { orderDecider, orderStream } from '../domain/order';
import { deliver } from '../domain/order-fulfilment';

/** `deliveredAt`: when the carrier saw it delivered (default: now). */
export type DeliverOrder = { orderId: string; deliveredAt?: Date };

/** A shipped order reached its customer: staff say so, or the carrier's tracking does; the second report is a no-op. */
@Injectable()
export class DeliverOrderHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: DeliverOrder, meta: CommandMeta, tx?: Sql): Promise<void> {
    await this.events.decide(
      orderStream(cmd.orderId),
      orderDecider,
      (s) => deliver(s, { orderId: cmd.orderId, now: cmd.deliveredAt ?? meta.now }),
      meta,
      { tx },
    );
  }
}
