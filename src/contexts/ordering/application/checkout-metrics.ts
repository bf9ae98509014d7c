import type { Decider } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import { orderDecider, type Order, type OrderEvent } from '../domain/order';

/** How a checkout ended: its order confirmed (with the total taken) or cancelled (with the checkout's reason). */
export type CheckoutEnding = { placedAt: string; endedAt: Date } & (
  { outcome: 'confirmed'; total: Money } | { outcome: 'cancelled'; reason: string }
);

/**
 * Where the end of a checkout is reported, for the operators' metrics (checkouts by outcome, how long they took,
 * revenue). With `tx`, it counts once that transaction commits, never for one rolled back. Reporting writes nothing.
 */
export abstract class CheckoutMetrics {
  abstract ended(ending: CheckoutEnding, tx?: Sql): void;
}

/** For handlers built without metrics (tests of the application layer). */
export const NO_CHECKOUT_METRICS: CheckoutMetrics = { ended: () => undefined };

export type OrderWithPlacedAt = { order: Order; placedAt?: string };

/**
 * The order's decider, also keeping when the order was placed: the order's state holds only what its decisions need,
 * and the checkout's duration is measured from there, at no extra read.
 */
export const orderWithPlacedAt: Decider<OrderWithPlacedAt, OrderEvent> = {
  initialState: () => ({ order: orderDecider.initialState() }),
  evolve: ({ order, placedAt }, event) => ({
    order: orderDecider.evolve(order, event),
    placedAt: event.type === 'OrderPlaced' ? event.data.placedAt : placedAt,
  }),
};
