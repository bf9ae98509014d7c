import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_POLICIES } from '../src/platform/http/rate-limit-policies';
import { freshDatabase } from './support/db';
import { type ApiReply, apiClient } from './support/http-client';
import { type HttpShop, openShop } from './support/http-shop';
import { hasRedisServer, privateRedis } from './support/private-redis';
import { ADMIN, ensureBuilt, type Instance, killAll, login, startApp } from './support/processes';

/** Long enough that the app notices and comes back while traffic runs the whole time. */
const OUTAGE_MS = 8_000;
const CHECKOUTS = 24;
const OUT_OF_REACH = '1000000/1m';

/**
 * Redis is optional at run time: the monolith with its rate limits counted in a Redis of the test's own, under
 * catalog reads and checkouts, while that Redis is killed and started again. No request fails because of it (the
 * limits count in process meanwhile), every checkout is confirmed, and the counters are in Redis again afterwards.
 */
describe.skipIf(!hasRedisServer())('the monolith while Redis is gone (e2e)', () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let instance: Instance;
  let shop: HttpShop;
  const keyPrefix = `orderly-redis-outage-${Date.now().toString(36)}:`;

  beforeAll(async () => {
    ensureBuilt();
    redis = await privateRedis();
    database = await freshDatabase();
    instance = await startApp(database.url, {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: keyPrefix,
      RATE_LIMITS: 'on',
      ...Object.fromEntries(Object.values(RATE_LIMIT_POLICIES).map(({ setting }) => [setting, OUT_OF_REACH])),
    });
    const baseUrl = new URL(instance.base).origin;
    shop = await openShop({
      baseUrl,
      adminToken: await login(instance, ADMIN.email, ADMIN.password),
      carrierWebhookSecret: 'unused-by-these-journeys',
      paymentProviderTimeoutMs: 2000,
    });
  }, 180_000);

  afterAll(async () => {
    instance?.child.kill('SIGTERM');
    await Promise.race([instance?.exited, sleep(15_000)]);
    await killAll();
    await redis?.stop();
    await database?.drop();
  }, 60_000);

  it('answers every catalog read and checkout without a 5xx, confirms every order, and counts in Redis again after', async () => {
    const { sku } = await shop.product(CHECKOUTS * 2);
    const customers = await Promise.all(Array.from({ length: CHECKOUTS }, () => shop.customer()));
    const api = apiClient(new URL(instance.base).origin);
    const replies: ApiReply<unknown>[] = [];
    let reading = true;
    const reads = (async () => {
      while (reading) {
        replies.push(await api.get('/products?limit=5'), await api.get('/search?q=mug'));
        await sleep(20);
      }
    })();

    // half the checkouts before the outage, half while Redis is gone
    const outcomes = await Promise.all(customers.slice(0, CHECKOUTS / 2).map((customer) => shop.checkout(customer, sku, 1, 'tok_approve')));
    await redis.stop();
    const during = Promise.all(customers.slice(CHECKOUTS / 2).map((customer) => shop.checkout(customer, sku, 1, 'tok_approve')));
    await sleep(OUTAGE_MS);
    outcomes.push(...(await during));
    await redis.start();
    await sleep(2_000);
    reading = false;
    await reads;

    expect(outcomes.map((outcome) => outcome.status)).toEqual(customers.map(() => 'confirmed'));
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.filter((reply) => reply.status >= 500).map((reply) => `${reply.path} ${reply.status}`)).toEqual([]);

    // used again once back: a counted request leaves its counter in the restarted Redis
    await api.get('/search?q=after');
    const fresh = new Redis(redis.url);
    try {
      expect((await fresh.keys(`${keyPrefix}*`)).length).toBeGreaterThan(0);
    } finally {
      fresh.disconnect();
    }
  });
});
