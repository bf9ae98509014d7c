import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import { Config, loadConfig } from '../../../platform/config';
import { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { PgScheduler } from '../../../platform/scheduling/pg.scheduler';
import { ManualClock } from '../../../shared-kernel/clock';
import { newId } from '../../../shared-kernel/ids';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { inventoryMigrations } from '../infrastructure/migrations';
import { OrderStock } from './order-stock';
import { ReleaseStockHandler } from './release-stock';
import { ReserveStockHandler } from './reserve-stock';
import { SetStockLevelHandler } from './set-stock-level';
import { getStockLevel, stockLevelsProjection } from './stock-levels.projection';
import { StockWrites } from './stock-writes';

const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: new Date('2026-01-01T00:00:00Z') });

describe.each(testServers())('stock reservations on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let setLevel: SetStockLevelHandler;
  let reserve: ReserveStockHandler;
  let release: ReleaseStockHandler;

  const suite = migratedDatabase(server, [...platformCoreMigrations, ...inventoryMigrations], { poolSize: 20 });
  beforeAll(async () => {
    db = suite.db;
    const eventStore = new PostgresEventStore(db);
    eventStore.registerInlineProjection(stockLevelsProjection);
    // no low-stock events here: these tests count the events of each stock stream
    const config = new Config({ ...loadConfig({ DATABASE_URL: suite.url, JWT_SECRET: 'x'.repeat(32) }), lowStockThreshold: 0 });
    const scheduler = new PgScheduler(db, eventStore, new ManualClock());
    const writes = new StockWrites(eventStore, config);
    setLevel = new SetStockLevelHandler(db, writes);
    reserve = new ReserveStockHandler(db, writes, scheduler, config);
    release = new ReleaseStockHandler(db, new OrderStock(writes, scheduler));
  });

  it('lets exactly 5 of 50 concurrent orders take the last 5 units', async () => {
    await setLevel.execute({ sku: 'LAST-5', onHand: 5 }, meta());
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => reserve.execute({ orderId: newId(), lines: [{ sku: 'LAST-5', quantity: 1 }] }, meta())),
    );
    expect(outcomes.filter((o) => o.status === 'confirmed')).toHaveLength(5);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(45);
    expect(await getStockLevel(db, 'LAST-5')).toEqual({ sku: 'LAST-5', onHand: 5, reserved: 5, available: 0 });
    const { rows } = await db.query<{ n: string }>(`select count(*) as n from es.events where stream = 'inventory.stock-LAST-5'`);
    expect(Number(rows[0].n)).toBe(6);
  });

  it('never deadlocks or oversells with multi-SKU orders listing SKUs in any order', async () => {
    for (const sku of ['MIX-A', 'MIX-B', 'MIX-C']) await setLevel.execute({ sku, onHand: 10 }, meta());
    const shuffled = () =>
      ['MIX-A', 'MIX-B', 'MIX-C'].sort(() => Math.random() - 0.5).map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 2) }));
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => reserve.execute({ orderId: newId(), lines: shuffled() }, meta())));
    const { rows } = await db.query<{ sku: string; reserved: number; available: number; held: string }>(
      `select s.sku, s.reserved, s.available, coalesce(sum(r.quantity) filter (where not r.released), 0) as held
         from inventory.stock_levels s left join inventory.stock_reservations r on r.sku = s.sku
        where s.sku like 'MIX-%' group by s.sku, s.reserved, s.available`,
    );
    for (const row of rows) {
      expect(row.available).toBeGreaterThanOrEqual(0);
      expect(row.reserved).toBe(Number(row.held));
    }
    expect(outcomes.some((o) => o.status === 'confirmed')).toBe(true);
    expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
  });

  it('is idempotent per order and gives stock back once on release', async () => {
    await setLevel.execute({ sku: 'IDEM-1', onHand: 3 }, meta());
    const orderId = newId();
    await reserve.execute({ orderId, lines: [{ sku: 'IDEM-1', quantity: 2 }] }, meta());
    await reserve.execute({ orderId, lines: [{ sku: 'IDEM-1', quantity: 2 }] }, meta());
    expect((await getStockLevel(db, 'IDEM-1'))?.available).toBe(1);
    await Promise.all([release.execute({ orderId }, meta()), release.execute({ orderId }, meta())]);
    expect(await getStockLevel(db, 'IDEM-1')).toEqual({ sku: 'IDEM-1', onHand: 3, reserved: 0, available: 3 });
    expect((await reserve.execute({ orderId, lines: [{ sku: 'IDEM-1', quantity: 1 }] }, meta())).status).toBe('released');
  });

  it('refuses to set on-hand below what is reserved, and the CHECK refuses any write that would oversell', async () => {
    await setLevel.execute({ sku: 'CHK-1', onHand: 4 }, meta());
    await reserve.execute({ orderId: newId(), lines: [{ sku: 'CHK-1', quantity: 3 }] }, meta());
    await expect(setLevel.execute({ sku: 'CHK-1', onHand: 2 }, meta())).rejects.toMatchObject({ code: 'inventory.on_hand_below_reserved' });
    await expect(db.query(`update inventory.stock_levels set reserved = reserved + 2 where sku = 'CHK-1'`)).rejects.toMatchObject({
      code: '23514',
    });
  });

  it('decides a batch of orders one after the other on rows locked once: the last units go to exactly as many as fit', async () => {
    for (const sku of ['BATCH-A', 'BATCH-B']) await setLevel.execute({ sku, onHand: 3 }, meta());
    const orders = Array.from({ length: 8 }, (_, i) => ({
      command: {
        orderId: newId(),
        lines: [
          { sku: i % 2 ? 'BATCH-A' : 'BATCH-B', quantity: 1 },
          { sku: 'BATCH-A', quantity: 1 },
        ],
      },
      meta: meta(),
    }));
    // two batches racing for the same rows, as two instances would: one waits for the other's rows
    const [first, second] = await Promise.all([
      db.transaction((tx) => reserve.executeTogether(orders.slice(0, 4), tx)),
      db.transaction((tx) => reserve.executeTogether(orders.slice(4), tx)),
    ]);
    const outcomes = [...first, ...second];
    const held = outcomes.filter((o) => o.status === 'confirmed').length;
    const a = await getStockLevel(db, 'BATCH-A');
    const b = await getStockLevel(db, 'BATCH-B');
    expect(a?.available).toBeGreaterThanOrEqual(0);
    expect(b?.available).toBeGreaterThanOrEqual(0);
    // every confirmed order holds one BATCH-A for itself: never more than the 3 on hand
    expect(a?.reserved).toBe(
      held + outcomes.filter((o, i) => o.status === 'confirmed' && orders[i].command.lines[0].sku === 'BATCH-A').length,
    );
    expect(held).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(outcomes.length - held);
    // a batch of one order decided again changes nothing (idempotent per order)
    const again = await db.transaction((tx) => reserve.executeTogether([orders[0]], tx));
    expect(again[0].status).toBe(outcomes[0].status);
    expect(await getStockLevel(db, 'BATCH-A')).toEqual(a);
  });

  it('refuses two decisions on one order in one batch (they are made one after the other)', async () => {
    const order = { command: { orderId: newId(), lines: [{ sku: 'IDEM-1', quantity: 1 }] }, meta: meta() };
    await expect(db.transaction((tx) => reserve.executeTogether([order, order], tx))).rejects.toThrow(/one after the other/);
  });
});
