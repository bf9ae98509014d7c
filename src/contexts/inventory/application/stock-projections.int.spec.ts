import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import type { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { newId } from '../../../shared-kernel/ids';
import type { StockEvent } from '../domain/stock';
import { inventoryMigrations } from '../infrastructure/migrations';
import { stockLedgerProjection } from './stock-ledger.projection';
import { stockLevelsProjection } from './stock-levels.projection';

const at = (minute: number) => `2026-01-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

/** A stock stream's history: counted, two orders held, the stock ran low, one released, one committed, a restock. */
const history = (sku: string): RecordedEvent<StockEvent>[] => {
  const [o1, o2] = [`${sku}-o1`, `${sku}-o2`];
  const events: StockEvent[] = [
    { type: 'StockLevelSet', data: { sku, onHand: 10, level: { onHand: 10, reserved: 0 } } },
    { type: 'StockReserved', data: { sku, orderId: o1, quantity: 2, level: { onHand: 10, reserved: 2 } } },
    { type: 'StockReserved', data: { sku, orderId: o2, quantity: 6, level: { onHand: 10, reserved: 8 } } },
    { type: 'StockRanLow', data: { sku, available: 2, threshold: 3 } },
    { type: 'StockReleased', data: { sku, orderId: o1, quantity: 2, reason: 'expired', level: { onHand: 10, reserved: 6 } } },
    { type: 'StockCommitted', data: { sku, orderId: o2, quantity: 6, wasHeld: true, level: { onHand: 4, reserved: 0 } } },
    { type: 'StockRestocked', data: { sku, quantity: 5, reason: 'delivery', level: { onHand: 9, reserved: 0 } } },
    { type: 'CancelledOrderRestocked', data: { sku, orderId: o2, quantity: 6, level: { onHand: 15, reserved: 0 } } },
  ];
  return events.map(
    (event, i) =>
      ({
        ...event,
        stream: `inventory.stock-${sku}`,
        version: i + 1,
        globalPosition: String(i + 1),
        metadata: { eventId: newId(), correlationId: 'c', causationId: 'c', occurredAt: at(i), schemaVersion: 1 },
      }) as RecordedEvent<StockEvent>,
  );
};

describe.each(testServers())('the stock projections on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  const suite = migratedDatabase(server, [...platformCoreMigrations, ...inventoryMigrations], { poolSize: 2 });
  beforeAll(() => {
    db = suite.db;
  });

  const rowsOf = async (sku: string) => {
    const rename = (row: Record<string, unknown>) => JSON.parse(JSON.stringify(row).replaceAll(sku, 'SKU'));
    const query = async (text: string) => (await db.query<Record<string, unknown>>(text, [sku])).rows.map(rename);
    return {
      level: await query('select on_hand, reserved, version, updated_at from inventory.stock_levels where sku = $1'),
      holds: await query('select order_id, quantity, status from inventory.stock_reservations where sku = $1 order by order_id'),
      ledger: await query(
        `select version, kind, reason, note, on_hand_change, reserved_change, on_hand, reserved, order_id, occurred_at
           from inventory.stock_ledger where sku = $1 order by version`,
      ),
    };
  };

  it('writes the same rows for a batch of events as for the same events one at a time', async () => {
    const [alone, together] = [`ALONE-${newId()}`, `TOGETHER-${newId()}`];
    await db.transaction(async (tx) => {
      for (const event of history(alone)) {
        await stockLevelsProjection.apply(tx, [event]);
        await stockLedgerProjection.apply(tx, [event]);
      }
      // two SKUs interleaved in one batch, as a batch of orders appends them
      const batch = history(together).flatMap((event, i) => [event, history(`${together}-2`)[i]]);
      await stockLevelsProjection.apply(tx, batch);
      await stockLedgerProjection.apply(tx, batch);
    });
    const expected = await rowsOf(alone);
    expect(expected.level).toMatchObject([{ on_hand: 15, reserved: 0, version: 8 }]);
    expect(expected.holds.map((hold) => hold.status)).toEqual(['released', 'restocked']);
    expect(expected.ledger.map((entry) => entry.on_hand_change)).toEqual([10, 0, 0, 0, -6, 5, 6]);
    expect(await rowsOf(together)).toEqual(expected);
    expect(await rowsOf(`${together}-2`)).toEqual(expected);
  });
});
