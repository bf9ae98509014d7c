import { describe, expect, it } from 'vitest';
import { CatalogReadCache } from './catalog-read-cache';

const text = (body: Promise<Buffer> | Buffer | undefined) => (body instanceof Promise ? body.then((b) => b.toString()) : body?.toString());

const deferred = () => {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
};

describe('catalog read cache', () => {
  it('serves a stored body until it expires, then once more while it is recomputed', async () => {
    let now = 0;
    const cache = new CatalogReadCache(1000, () => now);
    expect(await text(cache.get('/a', async () => 'one'))).toBe('one');
    expect(await text(cache.get('/a', async () => 'two'))).toBe('one');
    expect(text(cache.peek('/a'))).toBe('one');
    now = 1000;
    expect(cache.peek('/a')).toBeUndefined();
    const refresh = deferred();
    expect(await text(cache.get('/a', () => refresh.promise))).toBe('one');
    refresh.resolve('three');
    await new Promise((r) => setTimeout(r, 0));
    expect(text(cache.peek('/a'))).toBe('three');
    expect(await text(cache.get('/b', async () => 'long', 5000))).toBe('long');
    now = 5999;
    expect(text(cache.peek('/b'))).toBe('long');
  });

  it('forgets everything on invalidate, and never stores a read that began before it', async () => {
    const cache = new CatalogReadCache();
    await cache.get('/a', async () => 'old');
    cache.invalidate();
    expect(cache.peek('/a')).toBeUndefined();

    const slow = deferred();
    const reading = cache.get('/b', () => slow.promise);
    cache.invalidate(); // a write committed while the read was running
    slow.resolve('stale');
    expect((await reading).toString()).toBe('stale');
    expect(cache.peek('/b')).toBeUndefined();
    expect(await text(cache.get('/b', async () => 'fresh'))).toBe('fresh');
  });

  it('forgets everything on a remote invalidation too, without passing it on', async () => {
    const cache = new CatalogReadCache();
    let announced = 0;
    cache.onInvalidate(() => announced++);
    await cache.get('/a', async () => 'old');
    const slow = deferred();
    const reading = cache.get('/b', () => slow.promise);
    cache.applyRemoteInvalidation(); // another instance committed while the read was running
    slow.resolve('stale');
    await reading;
    expect(cache.peek('/a')).toBeUndefined();
    expect(cache.peek('/b')).toBeUndefined();
    expect(announced).toBe(0);
  });

  it('tells its listeners of each local invalidation until they stop listening', () => {
    const cache = new CatalogReadCache();
    let announced = 0;
    const stop = cache.onInvalidate(() => announced++);
    cache.invalidate();
    cache.invalidate();
    stop();
    cache.invalidate();
    expect(announced).toBe(2);
  });

  it('shares one computation between concurrent misses of a key', async () => {
    const cache = new CatalogReadCache();
    const slow = deferred();
    let computed = 0;
    const compute = () => {
      computed++;
      return slow.promise;
    };
    const reads = [cache.get('/a', compute), cache.get('/a', compute), cache.get('/a', compute)];
    slow.resolve('body');
    expect((await Promise.all(reads)).map(String)).toEqual(['body', 'body', 'body']);
    expect(computed).toBe(1);
  });

  it('stores nothing when the computation fails', async () => {
    const cache = new CatalogReadCache();
    await expect(cache.get('/a', () => Promise.reject(new Error('not found')))).rejects.toThrow('not found');
    expect(cache.peek('/a')).toBeUndefined();
  });

  it('evicts the oldest entries beyond its bound', async () => {
    const cache = new CatalogReadCache();
    for (let i = 0; i < 5_001; i++) await cache.get(`/q${i}`, async () => String(i));
    expect(cache.peek('/q0')).toBeUndefined();
    expect(text(cache.peek('/q5000'))).toBe('5000');
    expect(cache.stats().entries).toBe(5_000);
  });
});
