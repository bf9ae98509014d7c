import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/platform/persistence/database';
import { REDIS } from '../src/platform/redis';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type TestApp } from './support/app';
import { available, BACKEND_URLS } from './support/backends';
import { hasRedisServer, privateRedis } from './support/private-redis';
import { freePort } from './support/processes';

const LIMIT = 4;

/** With CI=true a missing server fails the run (global setup) instead of skipping the suite. */
const runs = available('redis') || process.env.CI === 'true';

/** Settings of an app whose registrations are limited to LIMIT per hour, counted in the given Redis under a prefix of this test's own. */
const limitedBy = (redisUrl: string, keyPrefix: string) => ({
  RATE_LIMITS: 'on',
  RATE_LIMIT_REGISTER: `${LIMIT}/1h`,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: keyPrefix,
  // a test run stalls the event loop now and then: a slow reply must not count a request in process instead
  REDIS_COMMAND_TIMEOUT_MS: '10000',
});

const register = (app: TestApp, address: string) =>
  app.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    remoteAddress: address,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ email: `redis-${newId()}@example.com`, password: 'correct horse battery staple', name: 'Redis' }),
  });

const apps: TestApp[] = [];
const boot = async (env: Record<string, string>, databaseUrl?: string) => {
  const app = await bootTestApp({ env, ...(databaseUrl ? { databaseUrl } : {}) });
  apps.push(app);
  return app;
};
afterAll(async () => {
  // the first app owns the database: close it last
  for (const app of apps.reverse()) await app.close();
});

describe.skipIf(!runs)('rate limits in a shared Redis (int)', () => {
  const keyPrefix = `orderly-test-${newId()}:`;
  let redis: Redis;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    redis = new Redis(BACKEND_URLS.redis);
    first = await boot(limitedBy(BACKEND_URLS.redis, keyPrefix));
    second = await boot(limitedBy(BACKEND_URLS.redis, keyPrefix), first.config.databaseUrl);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('counts requests spread over two instances together', async () => {
    const address = '203.0.113.21';
    const answers = [];
    for (let i = 0; i < LIMIT * 2; i++) answers.push(await register(i % 2 === 0 ? first : second, address));
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 201, 429, 429, 429, 429]);
    expect(answers.map((a) => a.headers['ratelimit-remaining'])).toEqual(['3', '2', '1', '0', '0', '0', '0', '0']);
    expect(Number(await redis.get(`${keyPrefix}rl:register:address:${address}`))).toBe(LIMIT * 2);

    const { rows } = await first.get(Database).query<{ n: string }>("select count(*) as n from identity.users where email like 'redis-%'");
    expect(Number(rows[0].n)).toBe(LIMIT);
    // another address is counted on its own, on either instance
    expect((await register(second, '203.0.113.22')).statusCode).toBe(201);
  });

  it('counts logins per address and email without writing the email into a key', async () => {
    const { user } = await first.registerAndLogin();
    const keys = await redis.keys(`${keyPrefix}rl:login:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[^@]*:address:127\.0\.0\.1:email:[A-Za-z0-9_-]{43}$/);
    expect(keys[0]).not.toContain(user.email.split('@')[0]);
  });
});

describe('rate limits without a reachable Redis (int)', () => {
  it('falls back to counting in process: the limit holds and no request fails', async () => {
    const closedPort = await freePort();
    const app = await boot(limitedBy(`redis://127.0.0.1:${closedPort}`, `orderly-test-${newId()}:`));
    const answers = [];
    for (let i = 0; i < LIMIT + 2; i++) answers.push(await register(app, '203.0.113.31'));
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 201, 429, 429]);
    expect(answers[LIMIT].json().code).toBe('request.rate_limited');
  });
});

describe.skipIf(!hasRedisServer())('rate limits when Redis stops and comes back (int)', () => {
  let redis: Awaited<ReturnType<typeof privateRedis>> | undefined;
  afterAll(async () => {
    await redis?.stop();
  });

  it('never fails a request while it is gone, and counts in Redis again once it is back', async () => {
    redis = await privateRedis();
    const { url } = redis;
    const keyPrefix = `orderly-test-${newId()}:`;
    const app = await boot(limitedBy(url, keyPrefix));
    const client = app.app.get<Redis>(REDIS);
    expect((await register(app, '203.0.113.41')).statusCode).toBe(201);

    await redis.stop();
    const withoutRedis = [];
    for (let i = 0; i < LIMIT + 1; i++) withoutRedis.push((await register(app, '203.0.113.42')).statusCode);
    // counted in process instead: the same rule, and no 5xx
    expect(withoutRedis).toEqual([201, 201, 201, 201, 429]);

    await redis.start();
    for (let attempt = 0; attempt < 100 && client.status !== 'ready'; attempt++) await sleep(100);
    expect(client.status).toBe('ready');
    expect((await register(app, '203.0.113.43')).statusCode).toBe(201);
    const fresh = new Redis(url);
    try {
      expect(await fresh.get(`${keyPrefix}rl:register:address:203.0.113.43`)).toBe('1');
    } finally {
      fresh.disconnect();
    }
  });
});
