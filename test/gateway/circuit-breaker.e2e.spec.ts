import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/shared-kernel/ids';
import { expectProblem, startEchoService, startTestGateway, type TestGateway } from './support';

/** Circuit breakers per service and timeouts per route, against stand-in services that fail on demand. */
const FAILURES = 3;
const COOLDOWN_MS = 1_500;
const TIMEOUT_MS = 500;
const WAIT_MARGIN_MS = 500;

const started: { stop?: () => Promise<void>; close?: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const each of started.splice(0).reverse()) await (each.close ?? each.stop)!();
});

const setUp = async () => {
  const catalog = await startEchoService('catalog');
  const inventory = await startEchoService('inventory');
  const ordering = await startEchoService('ordering');
  started.push(catalog, inventory, ordering);
  const gateway = await startTestGateway({
    services: { catalog, inventory, ordering },
    env: {
      GATEWAY_BREAKER_FAILURES: String(FAILURES),
      GATEWAY_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
      GATEWAY_TIMEOUT_MS: String(TIMEOUT_MS),
      GATEWAY_WAIT_MARGIN_MS: String(WAIT_MARGIN_MS),
    },
  });
  started.push(gateway);
  return { catalog, inventory, ordering, gateway };
};

const products = (gateway: TestGateway) => fetch(`${gateway.url}/api/v1/products`);
const circuitOf = async (gateway: TestGateway, upstream: string): Promise<number> => {
  const { host, port } = gateway.gateway.metricsAddress()!;
  const exposition = await (await fetch(`http://${host}:${port}/metrics`)).text();
  return Number(new RegExp(`orderly_gateway_circuit_state\\{upstream="${upstream}"\\} (\\d)`).exec(exposition)?.[1]);
};

/** Waits (bounded) until the circuit lets a trial request through. */
const cooldown = () => sleep(COOLDOWN_MS + 100);

describe('circuit breaker', () => {
  it('opens after failures in a row: refused with Retry-After, the service left alone; closes again once it answers', async () => {
    const { catalog, inventory, gateway } = await setUp();
    await catalog.stop();
    for (let i = 0; i < FAILURES; i++) await expectProblem(await products(gateway), 503, 'gateway.upstream_unavailable');
    expect(await circuitOf(gateway, 'catalog')).toBe(2);

    await catalog.restart();
    const refused = await products(gateway);
    await expectProblem(refused, 503, 'gateway.upstream_unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(Math.ceil(COOLDOWN_MS / 1000));
    expect(catalog.received).toHaveLength(0);
    // another service's routes are not affected
    expect((await fetch(`${gateway.url}/api/v1/inventory/SKU-1`, { headers: { 'x-api-key': `ok_${'a'.repeat(43)}` } })).status).toBe(200);
    expect(inventory.received).toHaveLength(1);

    await cooldown();
    expect((await products(gateway)).status).toBe(200);
    expect(await circuitOf(gateway, 'catalog')).toBe(0);
    expect((await products(gateway)).status).toBe(200);
    expect(catalog.received).toHaveLength(2);
  });

  it('counts 5xx answers (passed on as they are) but never 4xx', async () => {
    const { catalog, gateway } = await setUp();
    catalog.respond((_request, reply) => reply.status(404).send({ status: 404 }));
    for (let i = 0; i < FAILURES * 3; i++) expect((await products(gateway)).status).toBe(404);
    expect(await circuitOf(gateway, 'catalog')).toBe(0);

    catalog.respond((_request, reply) => reply.status(500).send({ status: 500, code: 'internal' }));
    for (let i = 0; i < FAILURES; i++) {
      const answer = await products(gateway);
      expect(answer.status).toBe(500);
      expect(await answer.json()).toEqual({ status: 500, code: 'internal' });
    }
    const received = catalog.received.length;
    await expectProblem(await products(gateway), 503, 'gateway.upstream_unavailable');
    expect(catalog.received).toHaveLength(received);
  });

  it('reopens when the trial request fails, and lets only that one through', async () => {
    const { catalog, gateway } = await setUp();
    let answered = 0;
    catalog.respond(async (_request, reply) => {
      answered += 1;
      await sleep(200);
      return reply.status(503).send({ status: 503 });
    });
    for (let i = 0; i < FAILURES; i++) expect((await products(gateway)).status).toBe(503);
    await cooldown();
    // the trial and a request arriving while it runs: only the trial reaches the service
    const [trial, meanwhile] = await Promise.all([products(gateway), sleep(50).then(() => products(gateway))]);
    expect(trial.status).toBe(503);
    await expectProblem(meanwhile, 503, 'gateway.upstream_unavailable');
    expect(meanwhile.headers.get('retry-after')).toBe('1');
    expect(answered).toBe(FAILURES + 1);
    const reopened = await products(gateway);
    await expectProblem(reopened, 503, 'gateway.upstream_unavailable');
    expect(Number(reopened.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answered).toBe(FAILURES + 1);
  });
});

describe('timeouts', () => {
  const slowly = (ms: number) => async (_request: unknown, reply: { send: (body: unknown) => unknown }) => {
    await sleep(ms);
    return reply.send({ late: true });
  };

  it('answers 504 when the service does not answer within the route timeout, and counts it against the circuit', async () => {
    const { catalog, gateway } = await setUp();
    catalog.respond(slowly(TIMEOUT_MS * 3));
    const began = Date.now();
    await expectProblem(await products(gateway), 504, 'gateway.upstream_timeout');
    expect(Date.now() - began).toBeLessThan(TIMEOUT_MS * 3);
    for (let i = 1; i < FAILURES; i++) await expectProblem(await products(gateway), 504, 'gateway.upstream_timeout');
    await expectProblem(await products(gateway), 503, 'gateway.upstream_unavailable');
  });

  it('waits longer on the routes that honour Prefer: wait, as long as the request asks plus a margin', async () => {
    const { catalog, ordering, gateway } = await setUp();
    const order = `${gateway.url}/api/v1/orders/${newId()}`;
    ordering.respond(slowly(1_200));
    catalog.respond(slowly(1_200));
    // without an identity client the edge lets an API key through for the service to check
    const key = { 'x-api-key': `ok_${'b'.repeat(43)}` };
    expect((await fetch(order, { headers: { ...key, prefer: 'wait=1' } })).status).toBe(200);
    await expectProblem(await fetch(order, { headers: key }), 504, 'gateway.upstream_timeout');
    await expectProblem(await fetch(`${gateway.url}/api/v1/products`, { headers: { prefer: 'wait=1' } }), 504, 'gateway.upstream_timeout');
  });
});
