import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../test/support/app';
import { Database } from '../platform/persistence/database';
import { demoProduct, seedDemoData } from './demo-data';

let t: TestApp;

beforeAll(async () => {
  t = await bootTestApp();
});
afterAll(async () => t?.close());

describe('demo data', () => {
  it('fills an empty catalog once: categories, 100+ EUR products, stock for each', async () => {
    const progress: number[] = [];
    const result = await seedDemoData(t.app, { products: 100, onProgress: (done) => progress.push(done) });
    expect(result).toEqual({ seeded: true, categories: 6, products: 100 });
    expect(progress.at(-1)).toBe(106);

    const db = t.get(Database);
    const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0].n);
    expect(await count('select count(*) as n from catalog.categories')).toBe(6);
    expect(await count(`select count(*) as n from catalog.variants where currency = 'EUR' and price_amount > 0`)).toBe(100);
    expect(await count('select count(*) as n from inventory.stock_levels where on_hand > 0')).toBe(100);

    await t.drain();
    const page = (await t.inject('GET', '/api/v1/products', { query: { limit: '100' } })).json();
    expect(page.items).toHaveLength(100);
    expect(page.items.filter((p: { availableStock: number }) => p.availableStock === 0).map((p: { sku: string }) => p.sku)).toEqual([]);
    expect(new Set(page.items.map((p: { name: string }) => p.name)).size).toBe(100);

    expect(await seedDemoData(t.app, { products: 100, onProgress: () => undefined })).toEqual({
      seeded: false,
      categories: 0,
      products: 0,
    });
  });

  it('completes a seed that was cut short: missing products are created and unstocked ones stocked, nothing doubled', async () => {
    const db = t.get(Database);
    const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0].n);
    // as if the first start stopped after product 100 of 110 was created and before its stock was set
    const admin = (await t.registerAndLogin('admin')).token;
    const { onHand: _onHand, ...cutShort } = demoProduct(100);
    expect((await t.inject('POST', '/api/v1/products', { token: admin, body: cutShort })).statusCode).toBe(201);

    expect(await seedDemoData(t.app, { products: 110, onProgress: () => undefined })).toMatchObject({ seeded: true, products: 110 });
    expect(await count('select count(*) as n from catalog.products')).toBe(110);
    expect(await count('select count(*) as n from inventory.stock_levels where on_hand > 0')).toBe(110);
    expect(await seedDemoData(t.app, { products: 110, onProgress: () => undefined })).toMatchObject({ seeded: false });
  });

  it("leaves a store's own catalog alone", async () => {
    const own = await bootTestApp();
    try {
      const admin = (await own.registerAndLogin('admin')).token;
      expect((await own.inject('POST', '/api/v1/categories', { token: admin, body: { slug: 'own', name: 'Own' } })).statusCode).toBe(201);
      const product = { sku: 'OWN-1', name: 'Our product', category: 'own', price: { amount: 500, currency: 'EUR' } };
      expect((await own.inject('POST', '/api/v1/products', { token: admin, body: product })).statusCode).toBe(201);
      expect(await seedDemoData(own.app, { onProgress: () => undefined })).toEqual({ seeded: false, categories: 0, products: 0 });
    } finally {
      await own.close();
    }
  });
});
