import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { confirm, orderDecider, orderStream } from '../domain/order';

export type ConfirmOrder = { orderId: string };

/** Confirms a placed order once its checkout completed; confirming twice is a no-op. Joins the caller's transaction. */
@Injectable()
export class ConfirmOrderHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: ConfirmOrder, meta: CommandMeta, tx?: Sql): Promise<void> {
    await this.events.decide(
      orderStream(cmd.orderId),
      orderDecider,
      (state) => confirm(state, { orderId: cmd.orderId, now: meta.now }),
      meta,
      { tx },
    );
  }
}
