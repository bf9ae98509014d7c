import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { OrderNotFound, orderDecider, orderStream } from '../domain/order';
import { cancel } from '../domain/order-cancellation';
import { mayActOn, type Caller } from './caller';
import { CheckoutProcess } from './checkout.process';

export type RequestCancellation = { orderId: string; caller: Caller };

/**
 * A customer (their own order, until it ships) or staff (until it ships, or once the carrier reported the shipped
 * parcel intercepted or returned to sender) cancels an order; goods that left are otherwise returned, not cancelled.
 * A placed order's checkout is still running: it is ended, compensating what it did (stock released, payment voided,
 * a capture that still lands refunded), and the order is cancelled in the same transaction. A confirmed order is
 * cancelled at once and what is still captured is asked back from payment (the order becomes refunded when it is).
 */
@Injectable()
export class RequestCancellationHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
    private readonly checkout: CheckoutProcess,
  ) {}

  async execute(cmd: RequestCancellation, meta: CommandMeta): Promise<void> {
    const by = cmd.caller.role === 'customer' ? 'customer' : 'staff';
    const reason = by === 'customer' ? 'cancelled_by_customer' : 'cancelled_by_staff';
    const stream = orderStream(cmd.orderId);
    const refundId = newId();
    await retryOnConflict(() =>
      this.db.transaction(async (tx) => {
        const { state } = await this.events.aggregate(stream, orderDecider, { tx });
        if (state.status === 'none' || !mayActOn(cmd.caller, state.customerId)) throw new OrderNotFound(cmd.orderId);
        if (state.status === 'placed') {
          await this.checkout.cancel(cmd.orderId, by, meta, tx);
          // the checkout cancelled the order, unless it completed just before: then the order is cancelled below
          if ((await this.events.aggregate(stream, orderDecider, { tx })).state.status === 'cancelled') return;
        }
        await this.events.decide(
          stream,
          orderDecider,
          (s) => cancel(s, { orderId: cmd.orderId, reason, by, refundId, now: meta.now }),
          meta,
          { tx },
        );
      }),
    );
  }
}
