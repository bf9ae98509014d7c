import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { newId } from '../../../shared-kernel/ids';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { catalogMigrations } from '../infrastructure/migrations';
import { PgProductCatalog } from '../infrastructure/pg.product-catalog';
import { AddVariantHandler } from './add-variant';
import { CatalogReadCache } from './catalog-read-cache';
import { CreateCategoryHandler } from './create-category';
import { CreateProductHandler } from './create-product';
import { ImportProductsHandler } from './import-products';
import { toIntegrationEvent } from './integration-events';
import { findCategories, findProducts, getProduct } from './product-queries';
import { ProductWrites } from './product-writes';
import { recordAvailabilities, recordAvailability } from './record-availability';
import { recordRating } from './record-rating';
import { ReviseProductHandler } from './revise-product';
import { UnpublishProductHandler } from './unpublish-product';

const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: new Date('2026-01-01T00:00:00Z') });
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe.each(testServers())('catalog on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let eventStore: PostgresEventStore;
  let createProduct: CreateProductHandler;
  let reviseProduct: ReviseProductHandler;
  let writes: ProductWrites;

  const suite = migratedDatabase(server, [...platformCoreMigrations, ...catalogMigrations]);
  beforeAll(async () => {
    db = suite.db;
    eventStore = new PostgresEventStore(db);
    const cache = new CatalogReadCache();
    writes = new ProductWrites(db, eventStore, cache);
    createProduct = new CreateProductHandler(db, writes);
    reviseProduct = new ReviseProductHandler(db, writes);
    const categories = new CreateCategoryHandler(db, eventStore, cache);
    await categories.execute({ slug: 'kitchen', name: 'Kitchen' }, meta());
    await categories.execute({ slug: 'garden', name: 'Garden' }, meta());
    await categories.execute({ slug: 'mugs', name: 'Mugs', parent: 'kitchen' }, meta());
  });

  it('creates a product with its event in the same transaction and refuses a taken SKU or unknown category', async () => {
    const product = await createProduct.execute({ sku: 'MUG-1', name: 'Mug', category: 'mugs', price: eur(1299) }, meta());
    expect(product).toEqual({
      id: product.id,
      sku: 'MUG-1',
      name: 'Mug',
      category: 'mugs',
      price: eur(1299),
      availableStock: 0,
      options: [],
      variants: [{ sku: 'MUG-1', options: {}, price: eur(1299), weightGrams: 0, availableStock: 0 }],
      images: [],
      published: true,
      rating: { average: 0, count: 0 },
    });
    const events = await eventStore.readStream(`catalog.product-${product.id}`);
    expect(events.map((e) => e.type)).toEqual(['ProductCreated']);
    expect(toIntegrationEvent(events[0])).toMatchObject({
      id: events[0].metadata.eventId,
      type: 'catalog.product-created.v1',
      data: { sku: 'MUG-1', category: 'mugs', variants: [{ sku: 'MUG-1', name: 'Mug', weightGrams: 0 }], published: true },
    });

    await expect(createProduct.execute({ sku: 'MUG-1', name: 'Other', category: 'mugs', price: eur(1) }, meta())).rejects.toMatchObject({
      code: 'catalog.sku_taken',
    });
    await expect(createProduct.execute({ sku: 'MUG-2', name: 'Other', category: 'nope', price: eur(1) }, meta())).rejects.toMatchObject({
      code: 'catalog.unknown_category',
    });
    expect(await findCategories(db)).toEqual([
      { slug: 'garden', name: 'Garden' },
      { slug: 'kitchen', name: 'Kitchen' },
      { slug: 'mugs', name: 'Mugs', parent: 'kitchen' },
    ]);
  });

  it('revises only what changed and publishes a repricing', async () => {
    const { id } = await createProduct.execute({ sku: 'POT-1', name: 'Pot', category: 'kitchen', price: eur(2500) }, meta());
    const revised = await reviseProduct.execute(
      { productId: id, name: 'Pot', description: 'Cast iron', price: eur(2900), category: 'garden' },
      meta(),
    );
    expect(revised).toMatchObject({ name: 'Pot', description: 'Cast iron', category: 'garden', price: eur(2900) });
    const events = await eventStore.readStream(`catalog.product-${id}`);
    expect(events.map((e) => e.type)).toEqual(['ProductCreated', 'ProductDescriptionRevised', 'ProductMovedToCategory', 'ProductRepriced']);
    expect(toIntegrationEvent(events[3])?.data).toEqual({ productId: id, sku: 'POT-1', price: eur(2900), previousPrice: eur(2500) });
    expect(await getProduct(db, id)).toMatchObject({ category: 'garden', variants: [{ sku: 'POT-1', price: eur(2900) }] });
    await expect(reviseProduct.execute({ productId: newId(), name: 'x' }, meta())).rejects.toMatchObject({
      code: 'catalog.product_not_found',
    });
  });

  it('pages by cursor, filters by category and shows availability copied from inventory', async () => {
    for (let i = 0; i < 7; i++)
      await createProduct.execute({ sku: `PAGE-${i}`, name: `Plant ${i}`, category: 'garden', price: eur(100 + i) }, meta());
    await recordAvailability(db, { sku: 'PAGE-0', available: 4, version: 2, at: new Date() });
    await recordAvailability(db, { sku: 'PAGE-0', available: 9, version: 1, at: new Date() });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await findProducts(db, { limit: 3, category: 'garden', ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((p) => p.sku));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['POT-1', ...Array.from({ length: 7 }, (_, i) => `PAGE-${i}`)]);

    const first = (await findProducts(db, { limit: 100, category: 'garden' })).items.find((p) => p.sku === 'PAGE-0');
    expect(first?.availableStock).toBe(4);
    expect((await findProducts(db, { limit: 100, category: 'unknown' })).items).toEqual([]);
    await expect(findProducts(db, { limit: 3, cursor: 'garbage' })).rejects.toMatchObject({ code: 'catalog.invalid_cursor' });
    expect(await getProduct(db, 'not-a-uuid')).toBeNull();
  });

  it('copies a batch of stock levels at once: the newest copy of each SKU wins, in the batch and against the stored one', async () => {
    for (const sku of ['BATCH-1', 'BATCH-2'])
      await createProduct.execute({ sku, name: `Fern ${sku}`, category: 'garden', price: eur(300) }, meta());
    await recordAvailability(db, { sku: 'BATCH-2', available: 8, version: 5, at: new Date() });
    const changed = await db.transaction((tx) =>
      recordAvailabilities(tx, [
        { sku: 'BATCH-1', available: 3, version: 2, at: new Date() },
        { sku: 'BATCH-1', available: 1, version: 3, at: new Date() },
        { sku: 'BATCH-1', available: 7, version: 1, at: new Date() },
        { sku: 'BATCH-2', available: 2, version: 4, at: new Date() },
      ]),
    );
    expect(changed).toBe(1);
    const stock = async (sku: string) =>
      (await findProducts(db, { limit: 100, category: 'garden' })).items.find((p) => p.sku === sku)?.availableStock;
    expect([await stock('BATCH-1'), await stock('BATCH-2')]).toEqual([1, 8]);
  });

  it('moves only the version of a copy whose available quantity did not change; an older copy arriving late is still refused', async () => {
    await createProduct.execute({ sku: 'SAME-1', name: 'Fern same', category: 'garden', price: eur(300) }, meta());
    await recordAvailability(db, { sku: 'SAME-1', available: 5, version: 2, at: new Date() });
    // the row's xmin: the transaction that last wrote it
    const refreshedAt = async () =>
      (
        await db.query<{ written_by: string }>(
          `select s.xmin::text as written_by from catalog.product_search s join catalog.variants v on v.product_id = s.product_id where v.sku = 'SAME-1'`,
          [],
        )
      ).rows[0]?.written_by;
    const before = await refreshedAt();
    expect(await recordAvailability(db, { sku: 'SAME-1', available: 5, version: 4, at: new Date() })).toBe(false);
    expect(await refreshedAt()).toEqual(before);
    const { rows } = await db.query<{ version: number }>(`select version from catalog.product_availability where sku = 'SAME-1'`, []);
    expect(rows[0].version).toBe(4);
    // version 3 was overtaken by version 4 (same quantity): its quantity must not come back
    expect(await recordAvailability(db, { sku: 'SAME-1', available: 9, version: 3, at: new Date() })).toBe(false);
    expect((await findProducts(db, { limit: 100, category: 'garden' })).items.find((p) => p.sku === 'SAME-1')?.availableStock).toBe(5);
    expect(await recordAvailability(db, { sku: 'SAME-1', available: 2, version: 5, at: new Date() })).toBe(true);
  });

  it('answers the ProductCatalog facade per variant SKU, named with its option values', async () => {
    const shirt = await createProduct.execute(
      {
        name: 'Shirt',
        category: 'garden',
        options: [
          { name: 'Color', values: ['Red', 'Blue'] },
          { name: 'Size', values: ['M'] },
        ],
        variants: [
          { sku: 'SH-R', price: eur(1500), weightGrams: 210, options: { Color: 'Red', Size: 'M' } },
          { sku: 'SH-B', price: eur(1600), options: { Size: 'M', Color: 'Blue' } },
        ],
      },
      meta(),
    );
    await new UnpublishProductHandler(writes).execute(shirt.id, meta());
    const found = await new PgProductCatalog(db).findBySkus(['MUG-1', 'MUG-1', 'SH-B', 'SH-R', 'NOPE']);
    expect(found.sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
      { sku: 'MUG-1', productId: expect.any(String), name: 'Mug', price: eur(1299), weightGrams: 0, published: true },
      { sku: 'SH-B', productId: shirt.id, name: 'Shirt (Blue, M)', price: eur(1600), weightGrams: 0, published: false },
      { sku: 'SH-R', productId: shirt.id, name: 'Shirt (Red, M)', price: eur(1500), weightGrams: 210, published: false },
    ]);
  });

  it('adds a variant whose SKU no other product has, and keeps every state change with its event', async () => {
    const { id } = await createProduct.execute(
      { name: 'Cup', category: 'kitchen', variants: [{ sku: 'CUP-1', price: eur(500), options: { Color: 'White' } }] },
      meta(),
    );
    const addVariant = new AddVariantHandler(writes);
    await expect(
      addVariant.execute({ productId: id, variant: { sku: 'MUG-1', price: eur(600), options: { Color: 'Black' } } }, meta()),
    ).rejects.toMatchObject({ code: 'catalog.sku_taken' });
    expect(await eventStore.readStream(`catalog.product-${id}`)).toHaveLength(1);
    expect((await getProduct(db, id))?.variants.map((v) => v.sku)).toEqual(['CUP-1']);

    const added = await addVariant.execute(
      { productId: id, variant: { sku: 'CUP-2', price: eur(600), options: { Color: 'Black' } } },
      meta(),
    );
    expect(added).toMatchObject({
      options: [{ name: 'Color', values: ['White', 'Black'] }],
      variants: [{ sku: 'CUP-1' }, { sku: 'CUP-2', options: { Color: 'Black' } }],
      price: eur(500),
    });
    const events = await eventStore.readStream(`catalog.product-${id}`);
    expect(toIntegrationEvent(events[1])).toMatchObject({
      type: 'catalog.variant-added.v1',
      data: { productId: id, sku: 'CUP-2', price: eur(600), options: { Color: 'Black' } },
    });
  });

  it('imports a batch in one transaction, skipping products already there, with one ProductCreated each', async () => {
    const importer = new ImportProductsHandler(db, writes);
    const batch = Array.from({ length: 5 }, (_, i) => ({ sku: `IMP-${i}`, name: `Imported ${i}`, category: 'mugs', price: eur(100 + i) }));
    const first = meta();
    expect(await importer.execute(batch.slice(0, 3), first)).toEqual({ created: 3, skipped: 0 });
    expect(await importer.execute(batch, meta())).toEqual({ created: 2, skipped: 3 });
    const { rows } = await db.query<{ n: string }>(
      `select count(*) as n from es.events where type = 'ProductCreated' and data->'variants'->0->>'sku' like 'IMP-%'`,
    );
    expect(Number(rows[0].n)).toBe(5);
    const page = await findProducts(db, { limit: 100, category: 'kitchen' });
    expect(page.items.filter((p) => p.sku.startsWith('IMP-')).map((p) => p.sku)).toEqual(['IMP-0', 'IMP-1', 'IMP-2', 'IMP-3', 'IMP-4']);
    await expect(importer.execute([{ ...batch[0], sku: 'MUG-1' }], meta())).resolves.toEqual({ created: 0, skipped: 1 });
    await expect(
      importer.execute(
        [
          {
            name: 'Clash',
            category: 'mugs',
            variants: [
              { sku: 'IMP-NEW', price: eur(1) },
              { sku: 'IMP-0', price: eur(1), options: { a: 'b' } },
            ],
          },
        ],
        meta(),
      ),
    ).rejects.toBeDefined();
  });

  it('copies ratings from reviews, dropping stale versions', async () => {
    const { id } = await createProduct.execute({ sku: 'RATE-1', name: 'Rated', category: 'garden', price: eur(100) }, meta());
    expect(await recordRating(db, { productId: id, average: 4.5, count: 2, version: 2, at: new Date() })).toBe(true);
    expect(await recordRating(db, { productId: id, average: 1, count: 1, version: 1, at: new Date() })).toBe(false);
    expect((await getProduct(db, id))?.rating).toEqual({ average: 4.5, count: 2 });
  });
});
