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
import type { CartCaller } from './cart-writes';
import { CartViews } from './cart-views';
import { cartsProjection, loadCart } from './carts.projection';
import { CheckOutCartHandler } from './check-out-cart';
import { GUEST_CART_TTL_MS, hashCartToken } from './guest-carts';
import { MergeGuestCartHandler } from './merge-guest-cart';
import { RefreshCartHandler } from './refresh-cart';
import { RemoveCartItemHandler } from './remove-cart-item';

const T0 = new Date('2026-01-01T00:00:00Z');
const meta = (now = T0): CommandMeta => ({ commandId: newId(), correlationId: newId(), now });
const customer = (customerId = newId()): CartCaller => ({ kind: 'customer', customerId });

class FakeProductCatalog extends ProductCatalog {
  products: CatalogProduct[] = [
    { sku: 'MUG-1', productId: newId(), name: 'Mug', price: { amount: 1299, currency: 'EUR' }, weightGrams: 300, published: true },
    { sku: 'POT-1', productId: newId(), name: 'Pot', price: { amount: 2500, currency: 'EUR' }, weightGrams: 800, published: true },
    { sku: 'DRAFT-1', productId: newId(), name: 'Draft', price: { amount: 100, currency: 'EUR' }, weightGrams: 1, published: false },
  ];
  async findBySkus(skus: readonly string[]) {
    return this.products.filter((p) => skus.includes(p.sku)).map((p) => ({ ...p }));
  }
  set(sku: string, change: Partial<CatalogProduct>) {
    this.products = this.products.map((p) => (p.sku === sku ? { ...p, ...change } : p));
  }
}

describe.each(testServers())('cart on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let eventStore: PostgresEventStore;
  let catalog: FakeProductCatalog;
  let add: AddCartItemHandler;
  let remove: RemoveCartItemHandler;
  let refresh: RefreshCartHandler;
  let checkOut: CheckOutCartHandler;
  let merge: MergeGuestCartHandler;
  let contents: PgCartContents;

  const suite = migratedDatabase(server, [...platformCoreMigrations, ...cartMigrations], { poolSize: 20 });
  beforeAll(async () => {
    db = suite.db;
    eventStore = new PostgresEventStore(db);
    eventStore.registerInlineProjection(cartsProjection);
    catalog = new FakeProductCatalog();
    const views = new CartViews(db, catalog);
    add = new AddCartItemHandler(db, eventStore, catalog, views);
    remove = new RemoveCartItemHandler(db, eventStore, views);
    refresh = new RefreshCartHandler(db, eventStore, catalog, views);
    checkOut = new CheckOutCartHandler(db, eventStore);
    merge = new MergeGuestCartHandler(db, eventStore);
    contents = new PgCartContents(db, catalog);
  });

  const guestCart = async (sku = 'MUG-1', quantity = 1) => {
    const { cart, newCartToken } = await add.execute({ caller: { kind: 'guest' }, sku, quantity }, meta());
    return { cartId: cart.id!, token: newCartToken! };
  };

  it('keeps a snapshot that matches the stream, also under concurrent adds', async () => {
    const caller = customer();
    await Promise.all(Array.from({ length: 20 }, () => add.execute({ caller, sku: 'MUG-1', quantity: 1 }, meta())));
    const cartId = caller.kind === 'customer' ? caller.customerId : '';
    const { state, version } = await loadCart(db, cartId);
    expect(state.lines).toEqual([
      { sku: 'MUG-1', productId: catalog.products[0].productId, name: 'Mug', quantity: 20, unitPrice: { amount: 1299, currency: 'EUR' } },
    ]);
    const stream = await eventStore.readStream(`cart.cart-${cartId}`);
    expect(stream.map((e) => e.type)).toEqual(Array<string>(20).fill('CartItemAdded'));
    expect(version).toBe(20);
  });

  it('refuses unknown and unpublished SKUs alike, and removing an absent item', async () => {
    const caller = customer();
    await expect(add.execute({ caller, sku: 'NOPE', quantity: 1 }, meta())).rejects.toMatchObject({ code: 'cart.unknown_sku' });
    await expect(add.execute({ caller, sku: 'DRAFT-1', quantity: 1 }, meta())).rejects.toMatchObject({ code: 'cart.unknown_sku' });
    await expect(remove.execute({ caller, sku: 'MUG-1' }, meta())).rejects.toMatchObject({ code: 'cart.item_not_found' });
  });

  it('removes the ordered quantities once at checkout and keeps what was added meanwhile', async () => {
    const cartId = newId();
    await add.execute({ caller: customer(cartId), sku: 'MUG-1', quantity: 2 }, meta());
    await add.execute({ caller: customer(cartId), sku: 'POT-1', quantity: 1 }, meta());
    const snapshot = await contents.getCart(cartId);
    expect(snapshot).toMatchObject({
      cartId,
      version: 2,
      lines: [
        { sku: 'MUG-1', quantity: 2 },
        { sku: 'POT-1', quantity: 1 },
      ],
    });
    expect(snapshot.lines[0].productId).toBe(catalog.products[0].productId);
    await add.execute({ caller: customer(cartId), sku: 'MUG-1', quantity: 1 }, meta());

    const orderId = newId();
    const lines = snapshot.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    await db.transaction((tx) => checkOut.execute({ cartId, orderId, lines }, meta(), tx));
    await checkOut.execute({ cartId, orderId, lines }, meta());
    expect((await loadCart(db, cartId)).state.lines.map(({ sku, quantity }) => ({ sku, quantity }))).toEqual([
      { sku: 'MUG-1', quantity: 1 },
    ]);
    expect(await contents.getCart(newId())).toMatchObject({ version: 0, lines: [] });
  });

  describe('guest carts', () => {
    it('are created by the first add, stored under a hash of their token, and reached only with it', async () => {
      const { cartId, token } = await guestCart();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const { rows } = await db.query<Record<string, unknown>>(`select * from cart.guest_carts where cart_id = $1`, [cartId]);
      expect(rows).toEqual([expect.objectContaining({ token_hash: hashCartToken(token), merged_into: null })]);
      expect(JSON.stringify(rows)).not.toContain(token);

      const again = await add.execute({ caller: { kind: 'guest', cartToken: token }, sku: 'POT-1', quantity: 2 }, meta());
      expect(again).toEqual({ cart: expect.objectContaining({ id: cartId }) });
      expect(again.cart.items.map((i) => i.sku)).toEqual(['MUG-1', 'POT-1']);
      const other = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      for (const cartToken of [other, 'short', '']) {
        await expect(add.execute({ caller: { kind: 'guest', cartToken }, sku: 'MUG-1', quantity: 1 }, meta())).rejects.toMatchObject({
          code: 'cart.cart_not_found',
        });
      }
    });

    it('leave nothing behind when the first add is refused', async () => {
      const before = await db.query(`select count(*)::int as n from cart.guest_carts`);
      await expect(add.execute({ caller: { kind: 'guest' }, sku: 'NOPE', quantity: 1 }, meta())).rejects.toMatchObject({
        code: 'cart.unknown_sku',
      });
      expect((await db.query(`select count(*)::int as n from cart.guest_carts`)).rows).toEqual(before.rows);
    });

    it('expire 30 days after their last change', async () => {
      const { token } = await guestCart();
      const caller: CartCaller = { kind: 'guest', cartToken: token };
      const later = new Date(T0.getTime() + GUEST_CART_TTL_MS - 1000);
      await add.execute({ caller, sku: 'MUG-1', quantity: 1 }, meta(later));
      await add.execute({ caller, sku: 'MUG-1', quantity: 1 }, meta(new Date(later.getTime() + GUEST_CART_TTL_MS - 1000)));
      const expired = new Date(later.getTime() + 2 * GUEST_CART_TTL_MS);
      await expect(add.execute({ caller, sku: 'MUG-1', quantity: 1 }, meta(expired))).rejects.toMatchObject({
        code: 'cart.cart_not_found',
      });
    });
  });

  describe('merging at login', () => {
    it('moves the guest lines into the customer cart and closes the guest cart', async () => {
      const customerId = newId();
      await add.execute({ caller: customer(customerId), sku: 'MUG-1', quantity: 98 }, meta());
      const { cartId, token } = await guestCart('MUG-1', 5);
      await add.execute({ caller: { kind: 'guest', cartToken: token }, sku: 'POT-1', quantity: 1 }, meta());

      await merge.mergeIntoCustomerCart(token, customerId, meta());
      expect((await contents.getCart(customerId)).lines.map(({ sku, quantity }) => ({ sku, quantity }))).toEqual([
        { sku: 'MUG-1', quantity: 99 },
        { sku: 'POT-1', quantity: 1 },
      ]);
      const [mergedEvent] = (await eventStore.readStream(`cart.cart-${customerId}`)).slice(-1);
      expect(mergedEvent).toMatchObject({
        type: 'GuestCartMerged',
        data: { guestCartId: cartId, dropped: [{ sku: 'MUG-1', quantity: 4, reason: 'line_quantity_cap' }] },
      });
      await expect(add.execute({ caller: { kind: 'guest', cartToken: token }, sku: 'MUG-1', quantity: 1 }, meta())).rejects.toMatchObject({
        code: 'cart.cart_not_found',
      });
      await merge.mergeIntoCustomerCart(token, customerId, meta());
      await merge.mergeIntoCustomerCart('not-a-token', customerId, meta());
      expect((await contents.getCart(customerId)).version).toBe(2);
    });

    it('happens once under concurrent logins with the same token', async () => {
      const customerId = newId();
      const { token } = await guestCart('POT-1', 2);
      const login = meta();
      await Promise.all(Array.from({ length: 8 }, (_, i) => merge.mergeIntoCustomerCart(token, customerId, i % 2 ? login : meta())));
      expect((await contents.getCart(customerId)).lines).toMatchObject([{ sku: 'POT-1', quantity: 2 }]);
      const types = (await eventStore.readStream(`cart.cart-${customerId}`)).map((e) => e.type);
      expect(types).toEqual(['GuestCartMerged']);
    });
  });

  describe('prices', () => {
    it('checkout refuses a moved price until the cart is refreshed, and unavailable items until they are dropped', async () => {
      const customerId = newId();
      await add.execute({ caller: customer(customerId), sku: 'MUG-1', quantity: 2 }, meta());
      await add.execute({ caller: customer(customerId), sku: 'POT-1', quantity: 1 }, meta());
      expect((await contents.getCartForCheckout(customerId)).lines).toHaveLength(2);

      catalog.set('MUG-1', { price: { amount: 1399, currency: 'EUR' } });
      await expect(contents.getCartForCheckout(customerId)).rejects.toMatchObject({
        code: 'cart.price_changed',
        details: {
          lines: [{ sku: 'MUG-1', cartPrice: { amount: 1299, currency: 'EUR' }, currentPrice: { amount: 1399, currency: 'EUR' } }],
          previousTotal: { amount: 5098, currency: 'EUR' },
          currentTotal: { amount: 5298, currency: 'EUR' },
        },
      });
      catalog.set('POT-1', { published: false });
      await expect(contents.getCartForCheckout(customerId)).rejects.toMatchObject({ code: 'cart.item_unavailable' });

      const refreshed = await refresh.execute({ caller: customer(customerId) }, meta());
      expect(refreshed).toMatchObject({
        repriced: [{ sku: 'MUG-1', previousPrice: { amount: 1299 }, unitPrice: { amount: 1399 } }],
        dropped: [{ sku: 'POT-1', quantity: 1 }],
        cart: { needsRefresh: false, total: { amount: 2798 } },
      });
      expect((await contents.getCartForCheckout(customerId)).lines).toMatchObject([{ sku: 'MUG-1', unitPrice: { amount: 1399 } }]);
      expect(await refresh.execute({ caller: customer(customerId) }, meta())).toMatchObject({ repriced: [], dropped: [] });
      catalog.set('MUG-1', { price: { amount: 1299, currency: 'EUR' } });
      catalog.set('POT-1', { published: true });
    });
  });
});
