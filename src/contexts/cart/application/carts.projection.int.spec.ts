import { beforeAll, describe, expect, it, vi } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { fold } from '../../../platform/event-store/event-recording';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import type { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { newId } from '../../../shared-kernel/ids';
import { addItem, type CartEvent, evolve, initialCartState } from '../domain/cart';
import { cartMigrations } from '../infrastructure/migrations';
import { decideOnCart } from './cart-writes';
import { cartsProjection, cartStream, loadCart } from './carts.projection';

const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: new Date('2026-01-01T00:00:00Z') });
const mug = (quantity: number) => ({ sku: 'MUG-1', name: 'Mug', quantity, unitPrice: { amount: 1299, currency: 'EUR' } });
const owner = { guest: false as const, customerId: 'c-1' };
const cartDecider = { initialState: initialCartState, evolve };

describe.each(testServers())('the carts projection on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let eventStore: PostgresEventStore;

  const suite = migratedDatabase(server, [...platformCoreMigrations, ...cartMigrations], { poolSize: 5 });
  beforeAll(() => {
    db = suite.db;
    eventStore = new PostgresEventStore(db);
    eventStore.registerInlineProjection(cartsProjection);
  });

  const rowMatchesStream = async (cartId: string) => {
    const row = await loadCart(db, cartId);
    const folded = fold(cartDecider, await eventStore.readStream(cartStream(cartId)));
    expect(row).toEqual({ state: folded.state, version: folded.version });
    return row;
  };

  it('folds the new events on the row the decision locked: the lock, the append and the write, no second read', async () => {
    const cartId = newId();
    await decideOnCart({ db, eventStore }, cartId, (state) => addItem(state, mug(1), owner), meta());
    await db.transaction(async (tx) => {
      const statements = vi.spyOn(tx, 'query');
      await decideOnCart({ db, eventStore }, cartId, (state) => addItem(state, mug(2), owner), meta(), tx);
      // a second decision on the same cart in the transaction (a batch) folds on what the first wrote
      await decideOnCart({ db, eventStore }, cartId, (state) => addItem(state, mug(3), owner), meta(), tx);
      expect(statements).toHaveBeenCalledTimes(6);
    });
    expect((await rowMatchesStream(cartId)).state.lines).toMatchObject([{ sku: 'MUG-1', quantity: 6 }]);
  });

  it('reads the row when the transaction did not lock it', async () => {
    const cartId = newId();
    await decideOnCart({ db, eventStore }, cartId, (state) => addItem(state, mug(1), owner), meta());
    const more: CartEvent[] = [{ type: 'CartItemQuantityChanged', data: { sku: 'MUG-1', quantity: 4 } }];
    await db.transaction((tx) => eventStore.append(cartStream(cartId), more, { expectedVersion: 1, meta: meta(), tx }));
    expect((await rowMatchesStream(cartId)).state.lines).toMatchObject([{ sku: 'MUG-1', quantity: 4 }]);
  });
});
