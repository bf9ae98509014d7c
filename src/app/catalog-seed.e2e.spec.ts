import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../test/support/app';
import { Database } from '../platform/persistence/database';
import { seedCatalog, seedCategories, seedProduct } from './catalog-seed';

let t: TestApp;
let count: (sql: string) => Promise<number>;

beforeAll(async () => {
  t = await bootTestApp();
  const db = t.get(Database);
  count = async (sql) => Number((await db.query<{ n: string }>(sql)).rows[0].n);
});
afterAll(async () => t?.close());

describe('catalog seed', () => {
  it('generates the same product for the same index, with distinct SKUs and stock for the first variant', () => {
    expect(seedProduct(41)).toEqual(seedProduct(41));
    const skus = Array.from({ length: 300 }, (_, i) => seedProduct(i).product).flatMap((p) =>
      'variants' in p ? p.variants.map((v) => v.sku) : [],
    );
    expect(new Set(skus).size).toBe(skus.length);
    for (let i = 0; i < 300; i++) expect([...seedProduct(i).stock.values()][0]).toBeGreaterThan(0);
  });

  it('seeds products with variants across the category tree, their events and stock, and resumes without doubling', async () => {
    const progress: number[] = [];
    const first = await seedCatalog(t.app, { products: 30, batchSize: 20, onProgress: (p) => progress.push(p.products) });
    const skus = Array.from({ length: 30 }, (_, i) => [...seedProduct(i).stock.keys()]).flat();
    expect(first).toEqual({ categories: seedCategories().length, created: 30, skipped: 0, stocked: skus.length });
    expect(progress).toContain(30);

    // as if interrupted after 30 of 45: the first 30 are skipped, the rest created and stocked
    const resumed = await seedCatalog(t.app, { products: 45, batchSize: 20 });
    const allSkus = Array.from({ length: 45 }, (_, i) => [...seedProduct(i).stock.keys()]).flat();
    expect(resumed).toMatchObject({ created: 15, skipped: 30, stocked: allSkus.length - skus.length });
    expect(await seedCatalog(t.app, { products: 45, batchSize: 20 })).toMatchObject({ created: 0, skipped: 45, stocked: 0 });

    expect(await count('select count(*) as n from catalog.products')).toBe(45);
    expect(await count('select count(*) as n from catalog.variants')).toBe(allSkus.length);
    expect(await count(`select count(*) as n from es.events where type = 'ProductCreated'`)).toBe(45);
    expect(await count('select count(*) as n from inventory.stock_levels')).toBe(allSkus.length);
    expect(await count('select count(*) as n from catalog.categories where parent_id is not null')).toBeGreaterThan(0);

    await t.drain();
    const { facets } = (await t.inject('GET', '/api/v1/search', { query: { category: 'apparel' } })).json();
    expect(facets.availability.outOfStock).toBe(0);
    expect(facets.categories.map((c: { slug: string }) => c.slug)).toEqual(expect.arrayContaining(['apparel', 'apparel-tops', 't-shirts']));
    expect((await t.inject('GET', '/api/v1/search', { query: { limit: '1' } })).json().facets.availability.inStock).toBe(45);
  });
});
