import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LogConsumers } from '../../../platform/consumers/log-consumer';
import { Database } from '../../../platform/persistence/database';
import { orderStream } from '../domain/order';
import { getOrder, type OrderView } from './orders.projection';

export type FoundOrder = { customerId: string; order: OrderView };

/** Whether the order's checkout has ended: confirmed or cancelled, or anything that came after. */
const checkoutEnded = (order: OrderView): boolean => order.status !== 'placed';

const STREAM_PREFIX = orderStream('');

/**
 * Answers "tell me when this order's checkout has ended" without a timer loop per request: the log's tail wakes the
 * waiters of an order when an event of its stream commits, and only then is its read model read again.
 */
@Injectable()
export class OrderOutcomes implements OnModuleInit, OnModuleDestroy {
  private readonly waiters = new Map<string, Set<() => void>>();
  private stopWatching?: () => void;

  constructor(
    private readonly consumers: LogConsumers,
    private readonly db: Database,
  ) {}

  onModuleInit(): void {
    this.stopWatching = this.consumers.watch((events) => {
      for (const event of events) {
        // the order's placement never ends its checkout (waiters start after it, but the tail may show it later)
        if (!event.stream.startsWith(STREAM_PREFIX) || event.type === 'OrderPlaced') continue;
        for (const wake of this.waiters.get(event.stream.slice(STREAM_PREFIX.length)) ?? []) wake();
      }
    });
  }

  onModuleDestroy(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
    for (const wakes of this.waiters.values()) for (const wake of wakes) wake();
    this.waiters.clear();
  }

  /**
   * The order once its checkout has ended, or as it stands after `waitMs` (undefined: there is no such order). The
   * waiter is registered before each read, so an event committed between the read and the wait is not missed. An
   * order the caller may not see (`visible` false) is answered at once, from the first read.
   */
  async afterCheckout(
    orderId: string,
    waitMs: number,
    visible: (found: FoundOrder) => boolean = () => true,
  ): Promise<FoundOrder | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const wakes = this.waiters.get(orderId) ?? new Set();
      wakes.add(wake);
      this.waiters.set(orderId, wakes);
      let timer: NodeJS.Timeout | undefined;
      try {
        const found = await getOrder(this.db, orderId);
        const left = deadline - Date.now();
        if (!found || !visible(found) || checkoutEnded(found.order) || left <= 0 || !this.stopWatching) return found;
        await new Promise<void>((resolve) => {
          timer = setTimeout(resolve, left);
          void woken.then(resolve);
        });
      } finally {
        clearTimeout(timer);
        wakes.delete(wake);
        if (wakes.size === 0 && this.waiters.get(orderId) === wakes) this.waiters.delete(orderId);
      }
    }
  }
}
