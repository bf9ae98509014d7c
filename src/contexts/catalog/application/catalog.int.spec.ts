import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { newId } from '../../../shared-kernel/ids';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { catalogMigrations } from '../infrastructure/migrations';
import { PgProductCatalog } from '../infrastructure/pg.product-catalog';
import { CreateCategoryHandler } from './create-category';
import { CreateProductHandler } from './create-product';
import { toIntegrationEvent } from './integration-events';
import { findCategories, findProducts, getProduct } from './product-queries';
import { recordAvailability } from './record-availability';
import { ReviseProductHandler } from './revise-product';

const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: new Date('2026-01-01T00:00:00Z') });
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe.each(testServers())('catalog on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let eventStore: PostgresEventStore;
  let createProduct: CreateProductHandler;
  let reviseProduct: ReviseProductHandler;

  const suite = migratedDatabase(server, [...platformCoreMigrations, ...catalogMigrations]);
  beforeAll(async () => {
    db = suite.db;
    eventStore = new PostgresEventStore(db);
    createProduct = new CreateProductHandler(db, eventStore);
    reviseProduct = new ReviseProductHandler(db, eventStore);
    const categories = new CreateCategoryHandler(db, eventStore);
    await categories.execute({ slug: 'kitchen', name: 'Kitchen' }, meta());
    await categories.execute({ slug: 'garden', name: 'Garden' }, meta());
    await categories.execute({ slug: 'mugs', name: 'Mugs', parent: 'kitchen' }, meta());
  });

  it('creates a product with its event in the same transaction and refuses a taken SKU or unknown category', async () => {
    const product = await createProduct.execute({ sku: 'MUG-1', name: 'Mug', category: 'mugs', price: eur(1299) }, meta());
    expect(product).toEqual({ id: product.id, sku: 'MUG-1', name: 'Mug', category: 'mugs', price: eur(1299), availableStock: 0 });
    const events = await eventStore.readStream(`catalog.product-${product.id}`);
    expect(events.map((e) => e.type)).toEqual(['ProductCreated']);
    expect(toIntegrationEvent(events[0])).toMatchObject({
      id: events[0].metadata.eventId,
      type: 'catalog.product-created.v1',
      data: { sku: 'MUG-1', category: 'mugs' },
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

  it('answers the ProductCatalog facade by SKU', async () => {
    const found = await new PgProductCatalog(db).findBySkus(['MUG-1', 'MUG-1', 'NOPE']);
    expect(found).toEqual([{ sku: 'MUG-1', productId: expect.any(String), name: 'Mug', price: eur(1299) }]);
  });
});
