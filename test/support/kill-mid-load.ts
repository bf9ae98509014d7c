import { cartsEmptied, checkOutAll, crowdOrders, type OrderEnd, ordersEnded, progressOf } from './checkout-crowd';
import type { FaultWorld } from './fault-world';
import { until } from './invariants';
import { kill9, serviceProcess, startServiceAgain } from './service-instances';

/** The services in the checkout's path, each of which a test kills mid-load. */
export type CheckoutService = 'ordering' | 'inventory' | 'payment';

/** Of the round's checkouts, how many the victim must have done its part of before the kill: some, never all. */
const KILL_AFTER_SHARE = 0.15;
/** How long the victim may take to get that far. */
const KILL_WAIT_MS = 90_000;
/**
 * How long every order of the round may take to end after the restart: NATS redelivers what the killed process had
 * taken only once its ack wait (30 s) has passed.
 */
const END_WAIT_MS = 180_000;

export type KillOutcome = {
  /** the checkouts of the round */
  checkouts: number;
  /** how many of them the victim had done its part of when it was killed */
  doneAtKill: number;
  /** each order of the round and how it ended */
  ended: OrderEnd[];
  /** the order ids the checkouts were answered with */
  answered: string[];
  /** the orders of the crowd that ordering holds and did not hold before the round */
  placed: string[];
};

/**
 * Every customer of the crowd checks out at once; once `victim` has done its part of some of these checkouts (but,
 * as the outcome shows, not all), it is killed with SIGKILL and started again with its own settings, while the
 * checkouts still arrive. Resolves once every order of the round has ended (bounded).
 */
export const killMidLoad = async (world: FaultWorld, victim: CheckoutService): Promise<KillOutcome> => {
  const { crowd, dbs, topology } = world;
  await cartsEmptied(crowd);
  const before = await progressOf(dbs[victim], victim);
  const earlier = new Set((await crowdOrders(dbs.ordering, crowd)).map((order) => order.id));
  const threshold = Math.ceil(crowd.customers.length * KILL_AFTER_SHARE);
  const running = serviceProcess(topology, victim);

  const checkouts = checkOutAll(crowd);
  // a rejection is awaited below; until then it must not count as unhandled
  checkouts.catch(() => undefined);
  await until(
    `${victim} to do its part of ${threshold} checkouts`,
    async () => (await progressOf(dbs[victim], victim)) - before >= threshold,
    KILL_WAIT_MS,
    20,
  );
  await kill9(running);
  // read once the process is gone: nothing else writes what it did
  const doneAtKill = (await progressOf(dbs[victim], victim)) - before;
  await startServiceAgain(topology, victim);

  const answered = (await checkouts).map((checkout) => checkout.orderId);
  // the orders of the round as ordering holds them: a checkout whose answer was lost with the process would be one too
  const placed = (await crowdOrders(dbs.ordering, crowd)).map((order) => order.id).filter((id) => !earlier.has(id));
  const ended = await ordersEnded(dbs.ordering, placed, END_WAIT_MS);
  return { checkouts: crowd.customers.length, doneAtKill, ended, answered, placed };
};
