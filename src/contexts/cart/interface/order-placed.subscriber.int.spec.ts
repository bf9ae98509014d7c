import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import { InProcessMessageBus } from '../../../platform/messaging/in-process.message-bus';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import { messagingMigrations } from '../../../platform/messaging/messaging.migrations';
import { PgInbox } from '../../../platform/messaging/pg.inbox';
import { Metrics } from '../../../platform/observability/metrics';
import type { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { ManualClock } from '../../../shared-kernel/clock';
import { newId } from '../../../shared-kernel/ids';
import { type CatalogProduct, ProductCatalog } from '../../catalog/contracts';
import { OrderingMessages } from '../../ordering/contracts';
import { AddCartItemHandler } from '../application/add-cart-item';
import { CartViews } from '../application/cart-views';
import { cartsProjection, loadCart } from '../application/carts.projection';
import { CheckOutCartHandler } from '../application/check-out-cart';
import { cartMigrations } from '../infrastructure/migrations';
import { OrderPlacedSubscriber } from './order-placed.subscriber';

class Catalog extends ProductCatalog {
  private readonly products: CatalogProduct[] = ['MUG-1', 'POT-1'].map((sku) => ({
    sku,
    productId: newId(),
    name: sku,
    price: { amount: 1000, currency: 'EUR' },
    weightGrams: 300,
    published: true,
  }));
  async findBySkus(skus: readonly string[]) {
    return this.products.filter((p) => skus.includes(p.sku));
  }
}

const placed = (customerId: string, lines: { sku: string; quantity: number }[]): IntegrationMessage => ({
  id: newId(),
  type: OrderingMessages.orderPlaced,
  occurredAt: '2026-01-01T00:00:00.000Z',
  correlationId: newId(),
  data: { orderId: newId(), customerId, cartId: customerId, lines },
});

describe.each(testServers())('the cart leaves what was ordered, a batch of orders at once, on $name', (server) => {
  let db: PgDatabase;
  let add: AddCartItemHandler;
  let subscriber: OrderPlacedSubscriber;
  const suite = migratedDatabase(server, [...platformCoreMigrations, ...messagingMigrations, ...cartMigrations]);

  beforeAll(() => {
    db = suite.db;
    const eventStore = new PostgresEventStore(db);
    eventStore.registerInlineProjection(cartsProjection);
    const catalog = new Catalog();
    add = new AddCartItemHandler(db, eventStore, catalog, new CartViews(db, catalog));
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    subscriber = new OrderPlacedSubscriber(
      new InProcessMessageBus(),
      new PgInbox(db),
      clock,
      new CheckOutCartHandler(db, eventStore),
      new Metrics(),
    );
  });

  const fill = async (customerId: string) => {
    for (const sku of ['MUG-1', 'POT-1'])
      await add.execute(
        { caller: { kind: 'customer', customerId }, sku, quantity: 2 },
        { commandId: newId(), correlationId: newId(), now: new Date() },
      );
  };
  const lines = async (cartId: string) => (await loadCart(db, cartId)).state.lines.map(({ sku, quantity }) => `${sku}×${quantity}`);

  it('applies every order of the batch in one transaction, one customer’s two orders in their order, each once', async () => {
    const [ada, bob] = [newId(), newId()];
    await fill(ada);
    await fill(bob);
    const batch = [
      placed(ada, [{ sku: 'MUG-1', quantity: 2 }]),
      placed(bob, [{ sku: 'POT-1', quantity: 1 }]),
      placed(ada, [{ sku: 'POT-1', quantity: 2 }]),
    ];
    await subscriber.handleBatch(batch);
    expect(await lines(ada)).toEqual([]);
    expect(await lines(bob)).toEqual(['MUG-1×2', 'POT-1×1']);
    expect((await loadCart(db, ada)).version).toBe(4); // two items added (the first starts the cart), two orders out

    // redelivered, alone and together: nothing changes
    await subscriber.handleBatch(batch);
    await subscriber.handle(batch[1]);
    expect(await lines(bob)).toEqual(['MUG-1×2', 'POT-1×1']);
    expect((await loadCart(db, ada)).version).toBe(4);
    const { rows } = await db.query<{ n: string }>('select count(*) as n from messaging.inbox where message_id = any($1::text[])', [
      batch.map((m) => m.id),
    ]);
    expect(Number(rows[0].n)).toBe(3);
  });

  it('records a malformed message as handled, in the batch’s transaction, and applies the rest', async () => {
    const cy = newId();
    await fill(cy);
    const malformed = { ...placed(cy, []), data: { orderId: 1 } };
    await subscriber.handleBatch([malformed, placed(cy, [{ sku: 'MUG-1', quantity: 1 }])]);
    expect(await lines(cy)).toEqual(['MUG-1×1', 'POT-1×2']);
    const { rows } = await db.query('select 1 from messaging.inbox where subscriber = $1 and message_id = $2', [
      'cart.checkout',
      malformed.id,
    ]);
    expect(rows).toHaveLength(1);
  });
});
