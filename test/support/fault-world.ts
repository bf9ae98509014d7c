import { randomUUID } from 'node:crypto';
import { RATE_LIMIT_POLICIES } from '../../src/platform/http/rate-limit-policies';
import { brokerDeadLetters } from './broker-queues';
import { type Crowd, gatherCrowd } from './checkout-crowd';
import { eventually, expectStatus, apiClient } from './http-client';
import type { JourneyTarget } from './http-shop';
import { ADMIN } from './processes';
import { openServiceDatabases } from './service-databases';
import { catalogCopyViolations, type CheckoutDatabases, checkoutDeliveryViolations, orderOutcomeViolations } from './service-deliveries';
import { logViolations, orderingViolations, paymentViolations, stockViolations } from './service-invariants';
import { type Broker, PAYMENT_PROVIDER_TIMEOUT_MS, type RunningTopology, startServicesTopology } from './services-topology';

/**
 * A services topology for fault tests, with a crowd of customers and read access to the checkout's databases, and
 * the check that the whole checkout path is sound once it is quiet again.
 */

/** The limit of the search policy in the fault topologies: low, so a test can use it up; every other limit is out of reach. */
export const SEARCH_LIMIT = 5;
/** Long enough for a test to use the search limit up and look at it: the window never ends during the run. */
const SEARCH_WINDOW = '10m';
const OUT_OF_REACH = '1000000/1m';

/**
 * The topology's settings: checkouts never time out while a service is down for a test (a cancellation would then
 * mean a lost message, not a slow restart); the payment provider's timeout is far above a loaded machine's latency;
 * rate limits on at the gateways, counted in Redis under a prefix of the run's own.
 */
const faultSettings = (): Record<string, string> => ({
  CHECKOUT_TIMEOUT_MS: String(15 * 60_000),
  PAYMENT_PROVIDER_TIMEOUT_MS: '10000',
  RATE_LIMITS: 'on',
  REDIS_KEY_PREFIX: `e2e-faults-${randomUUID().slice(0, 8)}:`,
  ...Object.fromEntries(Object.values(RATE_LIMIT_POLICIES).map(({ setting }) => [setting, OUT_OF_REACH])),
  RATE_LIMIT_SEARCH: `${SEARCH_LIMIT}/${SEARCH_WINDOW}`,
});

export type FaultWorld = {
  broker: Broker;
  topology: RunningTopology;
  target: JourneyTarget;
  crowd: Crowd;
  dbs: CheckoutDatabases;
  close(): Promise<void>;
};

/** Starts the topology over `broker` and sets up a shop and `crowdSize` customers through its public API. */
export const openFaultWorld = async (broker: Broker, crowdSize: number): Promise<FaultWorld> => {
  const topology = await startServicesTopology(broker, faultSettings());
  const dbs = openServiceDatabases(['ordering', 'inventory', 'payment', 'catalog'], topology.databaseOf);
  const close = async () => {
    await dbs.close();
    await topology.close();
  };
  try {
    const login = await apiClient(topology.url).post<{ accessToken: string }>('/auth/login', { body: ADMIN });
    const target: JourneyTarget = {
      baseUrl: topology.url,
      adminToken: expectStatus(login, 200).accessToken,
      carrierWebhookSecret: topology.carrierWebhookSecret,
      paymentProviderTimeoutMs: PAYMENT_PROVIDER_TIMEOUT_MS,
    };
    const crowd = await gatherCrowd(target, crowdSize);
    return { broker, topology, target, crowd, dbs, close };
  } catch (error) {
    await close();
    throw error;
  }
};

/** How long the checkout's messages may take to be applied everywhere once every order has ended. */
const SETTLE_MS = 60_000;

/**
 * Waits (bounded) until every message of the checkout's path has been applied exactly once and the catalog holds the
 * newest stock levels, then answers every invariant that does not hold, in each service's database and across them,
 * and every message a broker parked ([] when the checkout path is sound).
 */
export const checkoutPathViolations = async (world: FaultWorld): Promise<string[]> => {
  const { dbs } = world;
  const pending = async () => [...(await checkoutDeliveryViolations(dbs)), ...(await catalogCopyViolations(dbs.inventory, dbs.catalog))];
  let open: string[] = [];
  try {
    await eventually(
      'every message of the checkout path to be applied exactly once',
      async () => (open = await pending()),
      (o) => o.length === 0,
      {
        timeoutMs: SETTLE_MS,
        intervalMs: 500,
      },
    );
  } catch {
    // still open after the wait: reported with the other violations below
  }
  return [
    ...open,
    ...(await logViolations(dbs.ordering)),
    ...(await logViolations(dbs.inventory)),
    ...(await logViolations(dbs.payment)),
    ...(await stockViolations(dbs.inventory)),
    ...(await paymentViolations(dbs.payment)),
    ...(await orderingViolations(dbs.ordering)),
    ...(await orderOutcomeViolations(dbs)),
    ...(await brokerDeadLetters(world.broker, world.topology.namespace)),
  ];
};
