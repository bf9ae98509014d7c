import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { newId } from '../../../shared-kernel/ids';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { type CatalogProduct, ProductCatalog } from '../../catalog/contracts';
import { cartMigrations } from '../infrastructure/migrations';
import { PgCartContents } from '../infrastructure/pg.cart-contents';
import { AddCartItemHandler } from './add-cart-item';
import { cartsProjection, getCart } from './carts.projection';
import { CheckOutCartHandler } from './check-out-cart';
import { RemoveCartItemHandler } from './remove-cart-item';

const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: new Date('2026-01-01T00:00:00Z') });

class FakeProductCatalog extends ProductCatalog {
  products: CatalogProduct[] = [
    { sku: 'MUG-1', productId: newId(), name: 'Mug', price: { amount: 1299, currency: 'EUR' }, weightGrams: 300, published: true },
    { sku: 'POT-1', productId: newId(), name: 'Pot', price: { amount: 2500, currency: 'EUR' }, weightGrams: 800, published: true },
  ];
  async findBySkus(skus: readonly string[]) {
    return this.products.filter((p) => skus.includes(p.sku));
  }
}

describe.each(testServers())('cart on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let eventStore: PostgresEventStore;
  let add: AddCartItemHandler;
  let remove: RemoveCartItemHandler;
  let checkOut: CheckOutCartHandler;

  const suite = migratedDatabase(server, [...platformCoreMigrations, ...cartMigrations], { poolSize: 20 });
  beforeAll(async () => {
    db = suite.db;
    eventStore = new PostgresEventStore(db);
    eventStore.registerInlineProjection(cartsProjection);
    add = new AddCartItemHandler(db, eventStore, new FakeProductCatalog());
    remove = new RemoveCartItemHandler(db, eventStore);
    checkOut = new CheckOutCartHandler(db, eventStore);
  });

  it('keeps a snapshot that matches the stream, also under concurrent adds', async () => {
    const cartId = newId();
    await Promise.all(Array.from({ length: 20 }, () => add.execute({ cartId, sku: 'MUG-1', quantity: 1 }, meta())));
    const cart = await getCart(db, cartId);
    expect(cart.items).toEqual([
      {
        sku: 'MUG-1',
        name: 'Mug',
        quantity: 20,
        unitPrice: { amount: 1299, currency: 'EUR' },
        lineTotal: { amount: 25980, currency: 'EUR' },
      },
    ]);
    expect(cart.version).toBe(20);
    expect((await eventStore.readStream(`cart.cart-${cartId}`)).length).toBe(20);
  });

  it('refuses an unknown SKU and removing an absent item', async () => {
    const cartId = newId();
    await expect(add.execute({ cartId, sku: 'NOPE', quantity: 1 }, meta())).rejects.toMatchObject({ code: 'cart.unknown_sku' });
    await expect(remove.execute({ cartId, sku: 'MUG-1' }, meta())).rejects.toMatchObject({ code: 'cart.item_not_found' });
  });

  it('removes the ordered quantities once at checkout and keeps what was added meanwhile', async () => {
    const cartId = newId();
    await add.execute({ cartId, sku: 'MUG-1', quantity: 2 }, meta());
    await add.execute({ cartId, sku: 'POT-1', quantity: 1 }, meta());
    const snapshot = await new PgCartContents(db).getCart(cartId);
    expect(snapshot).toMatchObject({
      cartId,
      version: 2,
      lines: [
        { sku: 'MUG-1', quantity: 2 },
        { sku: 'POT-1', quantity: 1 },
      ],
    });
    await add.execute({ cartId, sku: 'MUG-1', quantity: 1 }, meta());

    const orderId = newId();
    const lines = snapshot.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    await db.transaction((tx) => checkOut.execute({ cartId, orderId, lines }, meta(), tx));
    await checkOut.execute({ cartId, orderId, lines }, meta());
    expect((await getCart(db, cartId)).items.map(({ sku, quantity }) => ({ sku, quantity }))).toEqual([{ sku: 'MUG-1', quantity: 1 }]);
    expect(await new PgCartContents(db).getCart(newId())).toMatchObject({ version: 0, lines: [] });
  });
});
