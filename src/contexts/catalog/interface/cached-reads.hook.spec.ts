import { EventEmitter } from 'node:events';
import { HttpAdapterHost } from '@nestjs/core';
import { describe, expect, it, vi } from 'vitest';
import { InProcessCacheInvalidations } from '../../../platform/cache-invalidation';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { CachedReadsHook } from './cached-reads.hook';

/** Instances of the app whose read caches hear each other through one in-process hub (no HTTP: the hook only wires). */
const instances = (count: number) => {
  const hub = new EventEmitter();
  return Array.from({ length: count }, () => {
    const cache = new CatalogReadCache(60_000);
    const invalidations = new InProcessCacheInvalidations(hub);
    const hook = new CachedReadsHook(new HttpAdapterHost(), cache, invalidations);
    hook.onModuleInit();
    return { cache, invalidations, hook };
  });
};

const warm = async (cache: CatalogReadCache, body: string) => {
  await cache.get('/api/v1/products', async () => body);
  expect(cache.peek('/api/v1/products')?.toString()).toBe(body);
};

describe('catalog read caches of several instances', () => {
  it("empty every other instance's cache on a change committed by one, which announces it once", async () => {
    const [a, b, c] = instances(3);
    const published = [a, b, c].map(({ invalidations }) => vi.spyOn(invalidations, 'publish'));
    const remotelyInvalidated = [a, b, c].map(({ cache }) => vi.spyOn(cache, 'applyRemoteInvalidation'));
    for (const { cache } of [a, b, c]) await warm(cache, 'old');

    a.cache.invalidate();

    for (const { cache } of [a, b, c]) expect(cache.peek('/api/v1/products')).toBeUndefined();
    expect(published.map((spy) => spy.mock.calls.length)).toEqual([1, 0, 0]);
    // the instance that committed ignores its own announcement: it has invalidated already
    expect(remotelyInvalidated.map((spy) => spy.mock.calls.length)).toEqual([0, 1, 1]);
  });

  it('stop hearing each other once their module is destroyed', async () => {
    const [a, b] = instances(2);
    await warm(b.cache, 'old');
    b.hook.onModuleDestroy();
    a.cache.invalidate();
    expect(b.cache.peek('/api/v1/products')?.toString()).toBe('old');
    await warm(a.cache, 'old');
    b.cache.invalidate();
    expect(a.cache.peek('/api/v1/products')?.toString()).toBe('old');
  });
});
