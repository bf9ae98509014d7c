import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXTS } from '../src/app/services/topology';
import { isProblem, itSharesWorkBetweenInstances, itSurvivesKills, itWaitsOutPaymentOutage } from './support/fault-scenarios';
import { type FaultWorld, openFaultWorld, SEARCH_LIMIT } from './support/fault-world';
import type { ApiReply } from './support/http-client';
import { defineJourneys, type JourneyTarget } from './support/http-journeys';
import { ADMIN } from './support/processes';
import { total } from './support/scrape';
import { metricsOf } from './support/service-instances';
import { type Broker, PAYMENT_PROVIDER_TIMEOUT_MS, type RunningTopology, startServicesTopology } from './support/services-topology';

/*
 * The services topology in one file: its suites start ten services, two gateways and nginx each, and run one after the
 * other (the machine has two cores; two topologies at once would starve each other's timings).
 */

const BROKERS: Broker[] = ['rabbitmq', 'nats'];
const START_TIMEOUT_MS = 240_000;

const schemasOf = async (url: string): Promise<string[]> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select nspname as name from pg_namespace where nspname not like 'pg\\_%' and nspname not in ('information_schema', 'public') order by 1`,
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
};

/**
 * The HTTP journeys (test/support/http-journeys.ts) through nginx, two gateways and one process per context, each on
 * its own database, once over RabbitMQ and once over NATS: the split topology keeps the monolith's promises.
 */
describe.each(BROKERS)('journeys through nginx against the services topology over %s (e2e)', (broker) => {
  let topology: RunningTopology | undefined;
  let target: JourneyTarget | undefined;

  beforeAll(async () => {
    topology = await startServicesTopology(broker);
    const login = await fetch(`${topology.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(200);
    target = {
      baseUrl: topology.url,
      adminToken: ((await login.json()) as { accessToken: string }).accessToken,
      carrierWebhookSecret: topology.carrierWebhookSecret,
      paymentProviderTimeoutMs: PAYMENT_PROVIDER_TIMEOUT_MS,
    };
  }, START_TIMEOUT_MS);

  afterAll(() => topology?.close(), 120_000);

  it('runs every context in a process of its own, behind nginx, each on a database holding only its own schema', async () => {
    expect(topology!.nginx).toBeDefined();
    expect(topology!.services.map((s) => s.name).sort()).toEqual([...CONTEXTS].sort());
    for (const context of CONTEXTS) {
      const schemas = await schemasOf(topology!.databaseOf(context));
      expect(schemas).toContain(context);
      expect(schemas.filter((schema) => (CONTEXTS as readonly string[]).includes(schema))).toEqual([context]);
    }
  });

  defineJourneys(() => {
    if (!target) throw new Error('the topology did not start (see beforeAll)');
    return target;
  });
});

/**
 * The services topology (one process per context, each on its own database, two gateways, nginx) under faults, over
 * RabbitMQ, then over NATS JetStream: services of the checkout's path killed with SIGKILL in the middle of 120
 * concurrent checkouts and started again (over RabbitMQ inventory, payment and ordering; over NATS inventory and
 * payment, whose pulled messages come back after the consumer's ack wait); inventory and payment run twice; payment
 * down; and, once, the rate limits counted once across both gateways.
 *
 * One topology at a time, one after the other: ten services each run a connection pool on the same PostgreSQL server,
 * and two topologies at once would crowd it out (and the two cores).
 */

/** Concurrent customers: at least 100 checkouts in flight when a service dies. */
const CROWD = 120;
const START_MS = 300_000;

describe('the services topology over RabbitMQ under faults (e2e)', () => {
  let world: FaultWorld | undefined;
  const opened = () => world ?? expect.fail('the topology did not start (see beforeAll)');

  beforeAll(async () => {
    world = await openFaultWorld('rabbitmq', CROWD);
  }, START_MS);
  afterAll(() => world?.close(), 120_000);

  itSurvivesKills(opened, ['inventory', 'payment', 'ordering']);
  itSharesWorkBetweenInstances(opened);
  itWaitsOutPaymentOutage(opened);

  it('counts a rate limit once across both gateways: exactly the limit accepted through nginx, then 429', async () => {
    const { crowd, topology } = opened();
    const customer = crowd.customers.at(-1)!;
    const perGateway = (name: string, labels: Record<string, string>) =>
      Promise.all(topology.gateways.map(async (gateway) => total(await metricsOf(gateway), name, labels)));
    const refusedBefore = await perGateway('orderly_gateway_rate_limited_total', { policy: 'search' });
    const forwardedBefore = await perGateway('orderly_gateway_upstream_requests_total', { upstream: 'catalog', status: '200' });

    const replies: ApiReply[] = [];
    for (let i = 0; i < 2 * SEARCH_LIMIT + 2; i++) replies.push(await crowd.api.get('/search?q=mug', { token: customer.token }));

    expect(replies.map((reply) => reply.status)).toEqual([...replies.keys()].map((i) => (i < SEARCH_LIMIT ? 200 : 429)));
    const accepted = replies.slice(0, SEARCH_LIMIT);
    expect(accepted.map((reply) => reply.headers.get('ratelimit-remaining'))).toEqual(accepted.map((_, i) => String(SEARCH_LIMIT - 1 - i)));
    for (const refused of replies.slice(SEARCH_LIMIT)) {
      expect(isProblem(refused, 429, 'request.rate_limited'), JSON.stringify(refused.body)).toBe(true);
      expect(refused.headers.get('ratelimit-limit')).toBe(String(SEARCH_LIMIT));
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // nginx alternated: each gateway forwarded some of the accepted requests and refused some of the others
    const refused = (await perGateway('orderly_gateway_rate_limited_total', { policy: 'search' })).map((n, i) => n - refusedBefore[i]);
    const forwarded = (await perGateway('orderly_gateway_upstream_requests_total', { upstream: 'catalog', status: '200' })).map(
      (n, i) => n - forwardedBefore[i],
    );
    expect(
      [...refused, ...forwarded].every((n) => n > 0),
      `refused ${refused.join('/')}, forwarded ${forwarded.join('/')}`,
    ).toBe(true);
    expect(refused.reduce((sum, n) => sum + n, 0)).toBe(SEARCH_LIMIT + 2);
  });
});

describe('the services topology over NATS under faults (e2e)', () => {
  let world: FaultWorld | undefined;
  const opened = () => world ?? expect.fail('the topology did not start (see beforeAll)');

  beforeAll(async () => {
    world = await openFaultWorld('nats', CROWD);
  }, START_MS);
  afterAll(() => world?.close(), 120_000);

  itSurvivesKills(opened, ['inventory', 'payment']);
  itSharesWorkBetweenInstances(opened);
  itWaitsOutPaymentOutage(opened);
});
