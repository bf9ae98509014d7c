import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppLogger } from '../../src/platform/observability/logger';
import { closeRedis, connectRedis } from '../../src/platform/redis';
import { newId } from '../../src/shared-kernel/ids';
import { available, BACKEND_URLS } from '../support/backends';
import { freePort } from '../support/processes';
import { type EchoService, startEchoService, startTestGateway, type TestGateway, tokenFor } from './support';

/**
 * The edge's rate limits, the services' policies and subjects counted by two gateway instances in one Redis (under a
 * key prefix of this file's own): a client gets its budget once across both, and a refused request reaches no service.
 */
const LIMITS = { register: 4, login: 3, search: 3, guestCart: 2, cartWrite: 5, checkout: 2, anonymousWrite: 2 };
const HOUR = 3600;

/** With CI=true a missing server fails the run (global setup) instead of skipping the suite. */
const runs = available('redis') || process.env.CI === 'true';

const limitedEnv = (keyPrefix: string): Record<string, string> => ({
  RATE_LIMITS: 'on',
  RATE_LIMIT_REGISTER: `${LIMITS.register}/1h`,
  RATE_LIMIT_LOGIN: `${LIMITS.login}/1h`,
  RATE_LIMIT_SEARCH: `${LIMITS.search}/1h`,
  RATE_LIMIT_GUEST_CART: `${LIMITS.guestCart}/1h`,
  RATE_LIMIT_CART_WRITE: `${LIMITS.cartWrite}/1h`,
  RATE_LIMIT_CHECKOUT: `${LIMITS.checkout}/1h`,
  RATE_LIMIT_ANONYMOUS_WRITE: `${LIMITS.anonymousWrite}/1h`,
  REDIS_URL: BACKEND_URLS.redis,
  REDIS_KEY_PREFIX: keyPrefix,
  // a test run stalls the event loop now and then: a slow reply must not count a request in process instead
  REDIS_COMMAND_TIMEOUT_MS: '10000',
  // the test is the proxy in front: it names each request's client
  TRUSTED_PROXIES: '127.0.0.1',
});

/** A 429 of the rate limits, as the services answer it (test/support/rate-limited-app.ts `expectRateLimited`). */
const expectRateLimited = async (response: Response, limit: number, windowS: number) => {
  const text = await response.text();
  expect(response.status, text).toBe(429);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(JSON.parse(text)).toMatchObject({ status: 429, code: 'request.rate_limited' });
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowS);
  expect(response.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(response.headers.get('ratelimit-remaining')).toBe('0');
  expect(response.headers.get('ratelimit-policy')).toBe(`${limit};w=${windowS}`);
  expect(response.headers.get('ratelimit-reset')).toBe(response.headers.get('retry-after'));
};

let lastOctet = 0;
/** An address of its own per test: counters never leak between tests. */
const newAddress = () => `198.51.100.${++lastOctet}`;

describe.skipIf(!runs)('rate limits shared by two gateway instances in one Redis (int)', () => {
  const keyPrefix = `orderly-test-${newId()}:`;
  const services: Record<string, EchoService> = {};
  const connections: Redis[] = [];
  let redis: Redis;
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    redis = new Redis(BACKEND_URLS.redis);
    for (const context of ['identity', 'catalog', 'cart', 'ordering', 'payment'] as const)
      services[context] = await startEchoService(context);
    const instance = async () => {
      const connection = await connectRedis(BACKEND_URLS.redis, 10_000, AppLogger.create('silent'));
      connections.push(connection);
      return startTestGateway({ services, redis: connection, env: limitedEnv(keyPrefix) });
    };
    first = await instance();
    second = await instance();
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    for (const connection of connections) await closeRedis(connection);
    for (const service of Object.values(services)) await service.stop();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** Sends a request from `address` through the first instance on even calls and the second on odd ones. */
  let turn = 0;
  const send = (
    method: string,
    path: string,
    address: string,
    { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${(turn++ % 2 === 0 ? first : second).url}${path}`, {
      method,
      headers: { 'x-forwarded-for': address, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const register = (address: string) => send('POST', '/api/v1/auth/register', address, { body: { email: `gw-${newId()}@example.com` } });

  it('counts a client once across both instances: its limit, not its limit per instance', async () => {
    const address = newAddress();
    const calls = services.identity.received.length;
    const answers: Response[] = [];
    for (let i = 0; i < LIMITS.register * 2; i++) answers.push(await register(address));

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    expect(answers.slice(0, 4).map((a) => a.headers.get('ratelimit-remaining'))).toEqual(['3', '2', '1', '0']);
    for (const refused of answers.slice(4)) await expectRateLimited(refused, LIMITS.register, HOUR);
    // refused at the edge: the service got the allowed requests only
    expect(services.identity.received.length - calls).toBe(LIMITS.register);
    expect(Number(await redis.get(`${keyPrefix}gateway:rl:register:address:${address}`))).toBe(LIMITS.register * 2);
    // another client is counted on its own, on either instance
    expect((await register(newAddress())).status).toBe(200);
  });

  it('counts logins per address and email, as the services fold it, without writing the email into a key', async () => {
    const address = newAddress();
    const logIn = (email: string) => send('POST', '/api/v1/auth/login', address, { body: { email, password: 'irrelevant here' } });
    for (let i = 0; i < LIMITS.login; i++)
      expect((await logIn(i % 2 === 0 ? 'Flood@Example.com' : '  flood@example.com ')).status).toBe(200);
    await expectRateLimited(await logIn('flood@example.com'), LIMITS.login, HOUR);
    // another account from the same address logs in
    expect((await logIn('someone-else@example.com')).status).toBe(200);
    // the body reached the service byte for byte
    expect(services.identity.received.at(-1)!.body).toBe('{"email":"someone-else@example.com","password":"irrelevant here"}');
    const keys = await redis.keys(`${keyPrefix}gateway:rl:login:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain('@');
  });

  it('counts a signed-in caller per account: another account or an anonymous client at the same address has its own budget', async () => {
    const address = newAddress();
    const alice = (await tokenFor('customer')).token;
    const bob = (await tokenFor('customer')).token;
    const search = (token?: string) =>
      send('GET', '/api/v1/search?q=mug', address, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    for (let i = 0; i < LIMITS.search; i++) expect((await search(alice)).status).toBe(200);
    await expectRateLimited(await search(alice), LIMITS.search, HOUR);
    expect((await search(bob)).status).toBe(200);
    // anonymous callers share the address's budget, and so do tokens that are not valid (a public route takes them as none)
    expect((await search()).status).toBe(200);
    for (let i = 1; i < LIMITS.search; i++) expect((await search('forged-token')).status).toBe(200);
    await expectRateLimited(await search(), LIMITS.search, HOUR);
  });

  it("limits a guest's first cart writes (which create carts) by address, and writes to a cart by its own policy", async () => {
    const address = newAddress();
    const addItem = (headers: Record<string, string> = {}) =>
      send('POST', '/api/v1/cart/items', address, { body: { sku: 'MUG-1', quantity: 1 }, headers });
    for (let i = 0; i < LIMITS.guestCart; i++) expect((await addItem()).status).toBe(200);
    await expectRateLimited(await addItem(), LIMITS.guestCart, HOUR);
    const withCart = await addItem({ 'x-cart-token': 'a-guest-cart-token' });
    expect(withCart.status).toBe(200);
    expect(withCart.headers.get('ratelimit-policy')).toBe(`${LIMITS.cartWrite};w=${HOUR}`);
  });

  it('counts anonymous calls to a guarded route by address before refusing them 401, as the services do', async () => {
    const address = newAddress();
    const checkout = () => send('POST', '/api/v1/checkout', address, { body: {} });
    for (let i = 0; i < LIMITS.checkout; i++) {
      const refused = await checkout();
      expect(refused.status).toBe(401);
      expect(refused.headers.get('ratelimit-remaining')).toBe(String(LIMITS.checkout - 1 - i));
    }
    await expectRateLimited(await checkout(), LIMITS.checkout, HOUR);
  });

  it('limits anonymous writes without a policy of their own, but not the signed webhooks', async () => {
    const address = newAddress();
    for (let i = 0; i < LIMITS.anonymousWrite; i++)
      expect((await send('POST', '/api/v1/auth/logout', address, { body: {} })).status).toBe(200);
    await expectRateLimited(await send('POST', '/api/v1/auth/logout', address, { body: {} }), LIMITS.anonymousWrite, HOUR);
    for (let i = 0; i < LIMITS.anonymousWrite + 2; i++) {
      const webhook = await send('POST', '/api/v1/payments/webhooks/sandbox', address, { body: { event: i } });
      expect(webhook.status).toBe(200);
      expect(webhook.headers.get('ratelimit-limit')).toBeNull();
    }
  });

  it('counts what it refused by policy on its metrics port', async () => {
    const { host, port } = first.gateway.metricsAddress()!;
    const exposition = await (await fetch(`http://${host}:${port}/metrics`)).text();
    expect(Number(/orderly_gateway_rate_limited_total\{policy="register"\} (\d+)/.exec(exposition)?.[1])).toBeGreaterThan(0);
  });

  it('is ready while Redis answers, and not while it does not', async () => {
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    const unreachable = await connectRedis(`redis://127.0.0.1:${await freePort()}`, 200, AppLogger.create('silent'));
    const cut = await startTestGateway({ redis: unreachable, env: limitedEnv(keyPrefix) });
    try {
      const ready = await fetch(`${cut.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', checks: { redis: 'down' } });
    } finally {
      await cut.close();
      await closeRedis(unreachable);
    }
  });
});

describe('rate limits without Redis', () => {
  it('are counted in each process alone, and the start says so', async () => {
    const identity = await startEchoService('identity');
    const env = { ...limitedEnv(`orderly-test-${newId()}:`), REDIS_URL: '' };
    const one = await startTestGateway({ services: { identity }, env });
    const two = await startTestGateway({ services: { identity }, env });
    try {
      expect(one.logs.some((line) => line.level === 'warn' && line.msg.includes('counted in this process alone'))).toBe(true);
      const address = newAddress();
      const register = (gateway: TestGateway) =>
        fetch(`${gateway.url}/api/v1/auth/register`, {
          method: 'POST',
          headers: { 'x-forwarded-for': address, 'content-type': 'application/json' },
          body: '{}',
        });
      for (let i = 0; i < LIMITS.register; i++) expect((await register(one)).status).toBe(200);
      await expectRateLimited(await register(one), LIMITS.register, HOUR);
      expect((await register(two)).status).toBe(200);
    } finally {
      await one.close();
      await two.close();
      await identity.stop();
    }
  });
});
