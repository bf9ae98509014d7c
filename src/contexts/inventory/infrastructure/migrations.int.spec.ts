import { describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import { runMigrations } from '../../../platform/persistence/migrations';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { newId } from '../../../shared-kernel/ids';
import { inventoryMigrations } from './migrations';

describe.each(testServers())('inventory migrations on $name PostgreSQL', (server) => {
  const suite = migratedDatabase(server, [...platformCoreMigrations, inventoryMigrations[0]]);

  it('keeps the holds recorded before 0002 and fills the ledger from the stock events already stored', async () => {
    const { db } = suite;
    const store = new PostgresEventStore(db);
    const meta = (at: string, userId?: string) => ({ commandId: newId(), correlationId: newId(), now: new Date(at), userId });
    const level = (onHand: number, reserved: number) => ({ onHand, reserved });
    await store.append('inventory.stock-OLD-1', [{ type: 'StockLevelSet', data: { sku: 'OLD-1', onHand: 5, level: level(5, 0) } }], {
      expectedVersion: 'no_stream',
      meta: meta('2026-01-01T00:00:00Z', 'admin-1'),
    });
    await store.append(
      'inventory.stock-OLD-1',
      [
        { type: 'StockReserved', data: { sku: 'OLD-1', orderId: 'o1', quantity: 2, level: level(5, 2) } },
        { type: 'StockReleased', data: { sku: 'OLD-1', orderId: 'o1', quantity: 2, level: level(5, 0) } },
        { type: 'StockLevelSet', data: { sku: 'OLD-1', onHand: 3, level: level(3, 0) } },
      ],
      { expectedVersion: 1, meta: meta('2026-01-02T00:00:00Z') },
    );
    await db.query(
      `insert into inventory.stock_reservations (sku, order_id, quantity, released) values ('OLD-1', 'o1', 2, true), ('OLD-1', 'o2', 1, false)`,
    );

    await runMigrations(db, [...platformCoreMigrations, ...inventoryMigrations]);

    const { rows: holds } = await db.query('select order_id, status, released from inventory.stock_reservations order by order_id');
    expect(holds).toEqual([
      { order_id: 'o1', status: 'released', released: true },
      { order_id: 'o2', status: 'held', released: false },
    ]);
    const { rows: ledger } = await db.query(
      `select version, kind, reason, on_hand_change, reserved_change, on_hand, reserved, order_id, user_id
         from inventory.stock_ledger where sku = 'OLD-1' order by version`,
    );
    expect(ledger).toEqual([
      {
        version: 1,
        kind: 'set_level',
        reason: 'set_level',
        on_hand_change: 5,
        reserved_change: 0,
        on_hand: 5,
        reserved: 0,
        order_id: null,
        user_id: 'admin-1',
      },
      {
        version: 2,
        kind: 'reservation',
        reason: 'reservation',
        on_hand_change: 0,
        reserved_change: 2,
        on_hand: 5,
        reserved: 2,
        order_id: 'o1',
        user_id: null,
      },
      {
        version: 3,
        kind: 'release',
        reason: 'requested',
        on_hand_change: 0,
        reserved_change: -2,
        on_hand: 5,
        reserved: 0,
        order_id: 'o1',
        user_id: null,
      },
      {
        version: 4,
        kind: 'set_level',
        reason: 'set_level',
        on_hand_change: -2,
        reserved_change: 0,
        on_hand: 3,
        reserved: 0,
        order_id: null,
        user_id: null,
      },
    ]);
  });
});
