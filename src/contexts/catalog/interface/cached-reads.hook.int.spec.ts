import { HttpAdapterHost } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { available, BACKEND_URLS } from '../../../../test/support/backends';
import { until } from '../../../../test/support/invariants';
import { invalidationChannel, RedisCacheInvalidations } from '../../../platform/cache-invalidation.redis';
import { AppLogger } from '../../../platform/observability/logger';
import { closeRedis, connectRedis } from '../../../platform/redis';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { CATALOG_CHANGES_CHANNEL, CachedReadsHook } from './cached-reads.hook';

/** With CI=true a missing server fails the run (global setup) instead of skipping the suite. */
const runs = available('redis') || process.env.CI === 'true';
const logger = AppLogger.create('silent');
const URL_READ = '/api/v1/products';

const opened: { redis: Redis; invalidations: RedisCacheInvalidations; hook: CachedReadsHook }[] = [];
/** An instance of the app as far as its read cache goes, on the shared Redis under `namespace`; the TTL never expires in a test. */
const instance = async (namespace: string) => {
  const redis = await connectRedis(BACKEND_URLS.redis, 10_000, logger);
  const invalidations = await RedisCacheInvalidations.open(redis, { namespace, logger });
  const cache = new CatalogReadCache(60_000);
  const hook = new CachedReadsHook(new HttpAdapterHost(), cache, invalidations);
  hook.onModuleInit();
  opened.push({ redis, invalidations, hook });
  return cache;
};
afterAll(async () => {
  for (const { redis, invalidations, hook } of opened) {
    hook.onModuleDestroy();
    await invalidations.close();
    await closeRedis(redis);
  }
});

const deferred = () => {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
};

describe.skipIf(!runs)('catalog read caches of two instances over Redis (int)', () => {
  it('forget what they hold when the other commits a change, and never store a read that began before it', async () => {
    const namespace = `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const a = await instance(namespace);
    const b = await instance(namespace);
    const channel = invalidationChannel(namespace, CATALOG_CHANGES_CHANNEL);
    await until('both subscribed', async () => ((await opened[0].redis.pubsub('NUMSUB', channel)) as [string, number])[1] === 2);
    await b.get(URL_READ, async () => 'old');
    const slow = deferred();
    const reading = b.get('/api/v1/categories', () => slow.promise);

    a.invalidate();
    await until('the invalidation at b', () => b.peek(URL_READ) === undefined, 5_000, 5);
    slow.resolve('read before the change');
    await reading;
    expect(b.peek('/api/v1/categories')).toBeUndefined();
    expect((await b.get(URL_READ, async () => 'new')).toString()).toBe('new');

    // and the other way round
    await a.get(URL_READ, async () => 'new');
    b.invalidate();
    await until('the invalidation at a', () => a.peek(URL_READ) === undefined, 5_000, 5);
  });
});
