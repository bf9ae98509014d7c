import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { available, BACKEND_URLS } from '../../../test/support/backends';
import { until } from '../../../test/support/invariants';
import { invalidationChannel } from '../../platform/cache-invalidation.redis';
import { CatalogReadCache } from './application/catalog-read-cache';
import { CATALOG_CHANGES_CHANNEL } from './interface/cached-reads.hook';

/** With CI=true a missing server fails the run (global setup) instead of skipping the suite. */
const runs = available('redis') || process.env.CI === 'true';

/** Far beyond the test: a response B serves fresh can only come from the invalidation A announced. */
const LONG_TTL_MS = 10 * 60_000;
/** Generous for one pub/sub round trip on a busy machine, and well under the default READ_CACHE_TTL_MS. */
const DELIVERY_BOUND_MS = 1_000;

describe.skipIf(!runs)('the catalog read cache of two instances sharing Redis (e2e)', () => {
  const namespace = `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const env = { REDIS_URL: BACKEND_URLS.redis, BUS_NAMESPACE: namespace };
  let a: TestApp;
  let b: TestApp;
  let admin: string;

  beforeAll(async () => {
    const longLived = () => ({ provide: CatalogReadCache, useValue: new CatalogReadCache(LONG_TTL_MS) });
    a = await bootTestApp({ env, overrideProviders: [longLived()] });
    b = await bootTestApp({ env, databaseUrl: a.config.databaseUrl, overrideProviders: [longLived()] });
    admin = (await a.registerAndLogin('admin')).token;
    expect((await a.inject('POST', '/api/v1/categories', { token: admin, body: { slug: 'tea', name: 'Tea' } })).statusCode).toBe(201);
    const redis = new Redis(BACKEND_URLS.redis);
    try {
      const channel = invalidationChannel(namespace, CATALOG_CHANGES_CHANNEL);
      await until('both instances subscribed', async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1] === 2, 10_000);
    } finally {
      await redis.quit();
    }
  });
  // a owns the database: close it last
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('serves a product changed through the other instance fresh once the invalidation has arrived', async () => {
    const created = await a.inject('POST', '/api/v1/products', {
      token: admin,
      body: { sku: 'TEA-SHARED', name: 'Sencha', category: 'tea', price: { amount: 900, currency: 'EUR' } },
    });
    expect(created.statusCode).toBe(201);
    const url = `/api/v1/products/${created.json().id}`;
    expect((await b.inject('GET', url)).json().name).toBe('Sencha');
    expect(b.get(CatalogReadCache).peek(url)).toBeDefined();
    expect((await b.inject('GET', url)).json().name).toBe('Sencha');

    expect((await a.inject('PATCH', url, { token: admin, body: { name: 'Gyokuro' } })).statusCode).toBe(200);
    await until('b to serve the change', async () => (await b.inject('GET', url)).json().name === 'Gyokuro', DELIVERY_BOUND_MS, 10);
    // and b caches the new version again
    expect(b.get(CatalogReadCache).peek(url)?.toString()).toContain('Gyokuro');
  });
});
