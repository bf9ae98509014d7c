import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { newId } from '../../../shared-kernel/ids';
import { OrderNotFound, orderDecider, orderStream } from '../domain/order';
import type { ReturnLine, ReturnRequested } from '../domain/order-lifecycle.events';
import { requestReturn } from '../domain/order-returns';
import { mayActOn, type Caller } from './caller';

export type RequestReturn = { orderId: string; lines: ReturnLine[]; caller: Caller };

/** The customer asks to send back lines of their delivered order; the return lives in the order's stream. */
@Injectable()
export class RequestReturnHandler {
  constructor(private readonly events: EventStore) {}

  async execute(cmd: RequestReturn, meta: CommandMeta): Promise<ReturnRequested['data']> {
    const returnId = newId();
    const { events } = await this.events.decide(
      orderStream(cmd.orderId),
      orderDecider,
      (state) => {
        if (state.status === 'none' || !mayActOn(cmd.caller, state.customerId)) throw new OrderNotFound(cmd.orderId);
        return requestReturn(state, { orderId: cmd.orderId, returnId, lines: cmd.lines, now: meta.now });
      },
      meta,
    );
    // a repeated command returns the events of its first run, with the return id it chose
    return (events[0] as ReturnRequested).data;
  }
}
