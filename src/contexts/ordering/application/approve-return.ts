import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { orderDecider, orderStream } from '../domain/order';
import { approveReturn, ReturnNotFound } from '../domain/order-returns';
import { orderOfReturn } from './order-lifecycle.views';

export type ApproveReturn = { returnId: string };

/**
 * Staff accept a return: `ordering.return-approved.v1` puts its lines back on hand (inventory), and what the customer
 * paid for them is asked back from payment as a refund of the order. Approving twice is a no-op.
 */
@Injectable()
export class ApproveReturnHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
  ) {}

  async execute(cmd: ApproveReturn, meta: CommandMeta): Promise<{ orderId: string }> {
    const orderId = await orderOfReturn(this.db, cmd.returnId);
    if (!orderId) throw new ReturnNotFound(cmd.returnId);
    const refundId = newId();
    await this.events.decide(
      orderStream(orderId),
      orderDecider,
      (s) => approveReturn(s, { orderId, returnId: cmd.returnId, refundId, now: meta.now }),
      meta,
    );
    return { orderId };
  }
}
