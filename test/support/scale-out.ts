import type { Child } from '../../src/app/services/child-process';
import { cartsEmptied, checkOutAll, type OrderEnd, ordersEnded } from './checkout-crowd';
import type { FaultWorld } from './fault-world';
import { total } from './scrape';
import { metricsOf, serviceProcess, startSecondInstance } from './service-instances';

/** The services a test runs twice, and the stream category whose events each appends for a checkout. */
const DOUBLED = { inventory: 'inventory.reservation', payment: 'payment.payment' } as const;
type Doubled = keyof typeof DOUBLED;

/** How long the round's orders may take to end. */
const END_WAIT_MS = 120_000;

/** What one process of a doubled service did during the round: the events it appended for the checkouts. */
export type InstanceShare = { name: string; appended: number };

export type SharedRound = {
  checkouts: number;
  ended: OrderEnd[];
  /** per doubled service, what each of its two processes did */
  shares: Record<Doubled, InstanceShare[]>;
};

/** Events of the category the process appended since it started (its own counter: each process counts its own). */
const appendedBy = async (child: Child, category: string): Promise<number> =>
  total(await metricsOf(child), 'orderly_events_appended_total', { category });

/**
 * Starts a second instance of inventory and of payment (same database, same subscriptions: they compete for the
 * same messages), lets every customer of the crowd check out at once, and reports, once every order has ended
 * (bounded), what each instance did. The second instances are stopped again (SIGTERM) before it resolves.
 */
export const checkOutOverTwoInstances = async (world: FaultWorld): Promise<SharedRound> => {
  const { topology, crowd, dbs } = world;
  const doubled = Object.keys(DOUBLED) as Doubled[];
  const seconds = await Promise.all(doubled.map((context) => startSecondInstance(topology, context)));
  try {
    const processes = doubled.map((context, i) => [serviceProcess(topology, context), seconds[i]] as const);
    const count = () =>
      Promise.all(
        processes.map(([first, second], i) => Promise.all([first, second].map((child) => appendedBy(child, DOUBLED[doubled[i]])))),
      );
    await cartsEmptied(crowd);
    const before = await count();
    const placed = await checkOutAll(crowd);
    const ended = await ordersEnded(
      dbs.ordering,
      placed.map((checkout) => checkout.orderId),
      END_WAIT_MS,
    );
    const after = await count();
    const shares = Object.fromEntries(
      doubled.map((context, i) => [context, processes[i].map((child, j) => ({ name: child.name, appended: after[i][j] - before[i][j] }))]),
    ) as Record<Doubled, InstanceShare[]>;
    return { checkouts: placed.length, ended, shares };
  } finally {
    await Promise.all(seconds.map((child) => child.stop()));
  }
};
