import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import type { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { newId } from '../../../shared-kernel/ids';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { catalogMigrations } from '../infrastructure/migrations';
import { CatalogReadCache } from './catalog-read-cache';
import { CreateCategoryHandler } from './create-category';
import { type CreateProduct, CreateProductHandler } from './create-product';
import { ProductWrites } from './product-writes';
import { recordAvailability } from './record-availability';
import { recordRating } from './record-rating';
import type { SearchSort } from './search-cursor';
import { type SearchQuery, searchProducts } from './search-products';
import { suggestProducts } from './suggest-products';
import { UnpublishProductHandler } from './unpublish-product';

const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: new Date('2026-01-01T00:00:00Z') });
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe.each(testServers())('search on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  const ids: Record<string, string> = {};
  const suite = migratedDatabase(server, [...platformCoreMigrations, ...catalogMigrations]);
  const search = (query: Omit<SearchQuery, 'limit'> & { limit?: number }) => searchProducts(db, { limit: 100, ...query });
  const names = async (query: Omit<SearchQuery, 'limit'>) => (await search(query)).items.map((p) => p.name);

  beforeAll(async () => {
    db = suite.db;
    const cache = new CatalogReadCache();
    const eventStore = new PostgresEventStore(db);
    const writes = new ProductWrites(db, eventStore, cache);
    const categories = new CreateCategoryHandler(db, eventStore, cache);
    for (const [slug, name, parent] of [
      ['clothing', 'Clothing'],
      ['shirts', 'Shirts', 'clothing'],
      ['pants', 'Pants', 'clothing'],
      ['kitchen', 'Kitchen'],
    ])
      await categories.execute({ slug: slug!, name: name!, ...(parent ? { parent } : {}) }, meta());
    const create = async (key: string, product: CreateProduct) =>
      (ids[key] = (await new CreateProductHandler(db, writes).execute(product, meta())).id);
    await create('tshirt', {
      name: 'Organic Cotton T-Shirt',
      description: 'Soft and breathable',
      category: 'shirts',
      variants: [
        { sku: 'TS-RS', price: eur(1999), options: { Color: 'Red', Size: 'S' } },
        { sku: 'TS-RM', price: eur(1999), options: { Color: 'Red', Size: 'M' } },
        { sku: 'TS-BS', price: eur(2299), options: { Color: 'Blue', Size: 'S' } },
      ],
    });
    await create('linen', {
      name: 'Linen Shirt',
      category: 'shirts',
      variants: [{ sku: 'LS-W', price: eur(4500), options: { Color: 'White' } }],
    });
    await create('chino', {
      name: 'Slim Chino Pants',
      category: 'pants',
      variants: [{ sku: 'CH-B', price: eur(5900), options: { Color: 'Blue' } }],
    });
    await create('mug', { sku: 'MUG', name: 'Coffee Mug', category: 'kitchen', price: eur(1200) });
    await create('cup', { sku: 'CUP', name: 'Café Crème Cup', category: 'kitchen', price: eur(800) });
    await create('kettle', { sku: 'KET', name: 'Kettle', category: 'kitchen', price: eur(3000) });
    for (let i = 0; i < 12; i++)
      await create(`tee${i}`, { sku: `TEE-${i}`, name: `Plain Tee ${i}`, category: 'shirts', price: eur(1000 + (i % 4) * 500) });
    await new UnpublishProductHandler(writes).execute(ids.kettle, meta());
    for (const [sku, available] of [
      ['TS-BS', 3],
      ['MUG', 10],
      ['CH-B', 1],
    ] as const)
      await recordAvailability(db, { sku, available, version: 1, at: new Date() });
    await recordRating(db, { productId: ids.linen, average: 4.8, count: 12, version: 1, at: new Date() });
    await recordRating(db, { productId: ids.mug, average: 4.8, count: 3, version: 1, at: new Date() });
  });

  it.each(['tshirt', 't-shrt', 'T SHIRT', 'T-SHIRT', 'shurt organic', 'organik', 'cottn'])('finds the T-shirt for "%s"', async (q) =>
    expect(await names({ q })).toContain('Organic Cotton T-Shirt'),
  );

  it('tolerates a wrong letter and accents elsewhere too, and ANDs the words', async () => {
    expect(await names({ q: 'cofee' })).toEqual(['Coffee Mug']);
    expect(await names({ q: 'cafe creme' })).toEqual(['Café Crème Cup']);
    expect(await names({ q: 'CAFÉ' })).toEqual(['Café Crème Cup']);
    expect(await names({ q: 'linen chino' })).toEqual([]);
    expect(await names({ q: 'xyzzyq' })).toEqual([]);
  });

  it('never finds an unpublished product', async () => {
    expect(await names({ q: 'kettle' })).toEqual([]);
    expect(await names({ q: 'kettel' })).toEqual([]);
    expect((await search({ category: 'kitchen' })).facets.categories).toEqual([{ slug: 'kitchen', name: 'Kitchen', count: 2 }]);
  });

  it('ranks name matches first and finds option values and category names', async () => {
    expect((await names({ q: 'shirt' })).slice(0, 2).sort()).toEqual(['Linen Shirt', 'Organic Cotton T-Shirt']);
    expect((await names({ q: 'blue' })).sort()).toEqual(['Organic Cotton T-Shirt', 'Slim Chino Pants']);
    expect(await names({ q: 'pants blue' })).toEqual(['Slim Chino Pants']);
  });

  it('counts facets over every match: categories with their descendants, prices, option values, availability', async () => {
    const { facets, items } = await search({ category: 'clothing', limit: 2 });
    expect(items).toHaveLength(2);
    expect(facets.categories).toEqual([
      { slug: 'clothing', name: 'Clothing', count: 15 },
      { slug: 'shirts', name: 'Shirts', count: 14 },
      { slug: 'pants', name: 'Pants', count: 1 },
    ]);
    // lowest prices: tees 1000/1500/2000/2500 ×3, T-shirt 1999, linen 4500, chino 5900
    expect(facets.price).toEqual([
      { min: 0, max: 1000, count: 0 },
      { min: 1000, max: 2500, count: 10 },
      { min: 2500, max: 5000, count: 4 },
      { min: 5000, max: 10000, count: 1 },
      { min: 10000, max: 25000, count: 0 },
      { min: 25000, max: 50000, count: 0 },
      { min: 50000, max: null, count: 0 },
    ]);
    expect(facets.options).toEqual([
      {
        name: 'Color',
        values: [
          { value: 'Blue', count: 2 },
          { value: 'Red', count: 1 },
          { value: 'White', count: 1 },
        ],
      },
      {
        name: 'Size',
        values: [
          { value: 'M', count: 1 },
          { value: 'S', count: 1 },
        ],
      },
    ]);
    expect(facets.availability).toEqual({ inStock: 2, outOfStock: 13 });
  });

  it('filters by price range, stock and option values', async () => {
    expect((await names({ minPrice: 4000, maxPrice: 6000 })).sort()).toEqual(['Linen Shirt', 'Slim Chino Pants']);
    expect((await names({ inStock: true })).sort()).toEqual(['Coffee Mug', 'Organic Cotton T-Shirt', 'Slim Chino Pants']);
    expect(await names({ options: ['Color:Blue', 'Size:S'] })).toEqual(['Organic Cotton T-Shirt']);
    expect(await names({ q: 'shirt', inStock: false })).toEqual(['Linen Shirt']);
    expect((await search({ category: 'nope' })).items).toEqual([]);
  });

  it.each<[SearchSort | undefined, string | undefined]>([
    [undefined, undefined],
    ['relevance', 'tee'],
    ['price_asc', undefined],
    ['price_desc', 'tee'],
    ['newest', undefined],
    ['rating', undefined],
  ])('pages by %s (q=%s) with a cursor: every product once, in the order of one big page', async (sort, q) => {
    const all = (await search({ sort, q })).items.map((p) => p.id);
    expect(new Set(all).size).toBe(all.length);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search({ sort, q, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(all);
  });

  it('orders by price and by rating', async () => {
    const prices = (await search({ sort: 'price_asc' })).items.map((p) => p.price.amount);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect((await search({ sort: 'rating', limit: 2 })).items.map((p) => p.name)).toEqual(['Linen Shirt', 'Coffee Mug']);
  });

  it('refuses a cursor of another search or sort, and one it did not write', async () => {
    const { nextCursor } = await search({ category: 'shirts', limit: 2 });
    await expect(search({ category: 'kitchen', cursor: nextCursor! })).rejects.toMatchObject({ code: 'catalog.invalid_cursor' });
    await expect(search({ category: 'shirts', sort: 'price_asc', cursor: nextCursor! })).rejects.toMatchObject({
      code: 'catalog.invalid_cursor',
    });
    for (const cursor of ['garbage', Buffer.from('{"s":"newest","f":"x","k":["1; drop table x"]}').toString('base64url')])
      await expect(search({ cursor })).rejects.toMatchObject({ code: 'catalog.invalid_cursor' });
  });

  it('suggests completions of the last word and names of published products', async () => {
    expect((await suggestProducts(db, 'sh')).items).toEqual(
      expect.arrayContaining([
        { text: 'shirt', kind: 'word' },
        { text: 'Linen Shirt', kind: 'product', productId: ids.linen },
      ]),
    );
    expect((await suggestProducts(db, 'cof')).items).toEqual([
      { text: 'coffee', kind: 'word' },
      { text: 'Coffee Mug', kind: 'product', productId: ids.mug },
    ]);
    expect((await suggestProducts(db, 'kett')).items).toEqual([]);
    expect((await suggestProducts(db, 'plain t')).items.length).toBeLessThanOrEqual(10);
    expect((await suggestProducts(db, "' & | ! :* ( )")).items).toEqual([]);
  });
});
