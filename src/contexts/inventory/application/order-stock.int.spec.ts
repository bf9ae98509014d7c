import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import { Config, loadConfig } from '../../../platform/config';
import { PgLogConsumers } from '../../../platform/consumers/pg.log-consumers';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { PostgresEventStore } from '../../../platform/event-store/postgres.event-store';
import { PgDatabase } from '../../../platform/persistence/pg.database';
import { platformCoreMigrations } from '../../../platform/persistence/platform.migrations';
import { PgScheduler } from '../../../platform/scheduling/pg.scheduler';
import { ManualClock } from '../../../shared-kernel/clock';
import { newId } from '../../../shared-kernel/ids';
import { inventoryMigrations } from '../infrastructure/migrations';
import { AdjustStockHandler } from './adjust-stock';
import { CancelOrderStockHandler } from './cancel-order-stock';
import { CommitReservationHandler } from './commit-reservation';
import { ExpireReservationHandler } from './expire-reservation';
import { OrderStock } from './order-stock';
import { ReleaseStockHandler } from './release-stock';
import { ReserveStockHandler } from './reserve-stock';
import { RestockHandler } from './restock';
import { RestockReturnHandler } from './restock-return';
import { SetStockLevelHandler } from './set-stock-level';
import { findLedger, stockLedgerProjection } from './stock-ledger.projection';
import { getStockLevel, stockLevelsProjection } from './stock-levels.projection';
import { StockWrites } from './stock-writes';

const TTL = 15 * 60_000;

describe.each(testServers())('order stock after the reservation on $name PostgreSQL', (server) => {
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const meta = (userId?: string): CommandMeta => ({
    commandId: newId(),
    correlationId: newId(),
    now: clock.now(),
    ...(userId ? { userId } : {}),
  });
  let db: PgDatabase;
  let scheduler: PgScheduler;
  let consumers: PgLogConsumers;
  let h: {
    setLevel: SetStockLevelHandler;
    restock: RestockHandler;
    adjust: AdjustStockHandler;
    reserve: ReserveStockHandler;
    release: ReleaseStockHandler;
    commit: CommitReservationHandler;
    cancel: CancelOrderStockHandler;
    restockReturn: RestockReturnHandler;
  };

  const suite = migratedDatabase(server, [...platformCoreMigrations, ...inventoryMigrations], { poolSize: 20 });
  beforeAll(async () => {
    db = suite.db;
    const eventStore = new PostgresEventStore(db);
    eventStore.registerInlineProjection(stockLevelsProjection);
    eventStore.registerInlineProjection(stockLedgerProjection);
    const config = new Config({
      ...loadConfig({ DATABASE_URL: suite.url, JWT_SECRET: 'x'.repeat(32) }),
      reservationTtlMs: TTL,
      lowStockThreshold: 3,
    });
    scheduler = new PgScheduler(db, eventStore, clock);
    const writes = new StockWrites(eventStore, config);
    const orderStock = new OrderStock(writes, scheduler);
    consumers = new PgLogConsumers(db, eventStore, clock, { log: () => undefined });
    consumers.register(new ExpireReservationHandler(db, orderStock, clock).expiries);
    h = {
      setLevel: new SetStockLevelHandler(db, writes),
      restock: new RestockHandler(db, writes),
      adjust: new AdjustStockHandler(db, writes),
      reserve: new ReserveStockHandler(db, writes, scheduler, config),
      release: new ReleaseStockHandler(db, orderStock),
      commit: new CommitReservationHandler(db, orderStock),
      cancel: new CancelOrderStockHandler(db, orderStock),
      restockReturn: new RestockReturnHandler(db, writes),
    };
  });

  /** What the app's drain does: deliver due expiries, then let the expiry consumer act on them. */
  const expireDue = async () => {
    await scheduler.deliverDue();
    await consumers.drain();
  };
  const level = (sku: string) => getStockLevel(db, sku);
  const typesOf = async (stream: string) =>
    (await db.query<{ type: string }>('select type from es.events where stream = $1 order by version', [stream])).rows.map((r) => r.type);

  it('releases a hold once its time is up, unless the order was confirmed or released first', async () => {
    await h.setLevel.execute({ sku: 'EXP-1', onHand: 10 }, meta());
    const [idle, confirmed, compensated] = [newId(), newId(), newId()];
    for (const orderId of [idle, confirmed, compensated])
      await h.reserve.execute({ orderId, lines: [{ sku: 'EXP-1', quantity: 2 }] }, meta());
    await h.commit.execute({ orderId: confirmed }, meta());
    await h.release.execute({ orderId: compensated }, meta());
    expect(await level('EXP-1')).toMatchObject({ onHand: 8, reserved: 2, available: 6 });

    clock.advance(TTL - 1);
    await expireDue();
    expect(await level('EXP-1')).toMatchObject({ reserved: 2 });

    clock.advance(1);
    await expireDue();
    expect(await level('EXP-1')).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
    expect(await typesOf(`inventory.reservation-${idle}`)).toEqual(['StockReservationConfirmed', 'StockReservationReleased']);
    const { rows } = await db.query<{ data: { reason: string } }>(
      `select data from es.events where stream = $1 and type = 'StockReservationReleased'`,
      [`inventory.reservation-${idle}`],
    );
    expect(rows[0].data.reason).toBe('expired');
    expect(await typesOf(`inventory.reservation-${confirmed}`)).toEqual(['StockReservationConfirmed', 'StockReservationCommitted']);
    // the confirmed and released orders' expiries were cancelled with them: only the idle order's was delivered
    const { rows: scheduled } = await db.query<{ key: string }>(
      `select key from es.scheduled_messages where key like 'inventory.reservation-expiry:%' and key = any($1::text[])`,
      [[idle, confirmed, compensated].map((id) => `inventory.reservation-expiry:${id}`)],
    );
    expect(scheduled.map((r) => r.key)).toEqual([`inventory.reservation-expiry:${idle}`]);
  });

  it('commits, cancels and restocks a return once each, however often they are repeated', async () => {
    await h.setLevel.execute({ sku: 'LIFE-1', onHand: 10 }, meta());
    const orderId = newId();
    await h.reserve.execute({ orderId, lines: [{ sku: 'LIFE-1', quantity: 4 }] }, meta());
    await Promise.all([h.commit.execute({ orderId }, meta()), h.commit.execute({ orderId }, meta())]);
    expect(await level('LIFE-1')).toMatchObject({ onHand: 6, reserved: 0, available: 6 });
    await Promise.all([
      h.release.execute({ orderId }, meta()),
      h.cancel.execute({ orderId }, meta()),
      h.cancel.execute({ orderId }, meta()),
    ]);
    expect(await level('LIFE-1')).toMatchObject({ onHand: 10, reserved: 0, available: 10 });

    const returnId = newId();
    const approved = { returnId, orderId: newId(), lines: [{ sku: 'LIFE-1', quantity: 1 }] };
    await Promise.all([h.restockReturn.execute(approved, meta()), h.restockReturn.execute(approved, meta())]);
    expect(await level('LIFE-1')).toMatchObject({ onHand: 11 });
    const ledger = await findLedger(db, 'LIFE-1', { limit: 10 });
    expect(ledger.items.map((e) => [e.kind, e.reason, e.quantity, e.onHand])).toEqual([
      ['return', 'return', 1, 11],
      ['order_cancelled', 'order_cancelled', 4, 10],
      ['commit', 'reservation_committed', -4, 6],
      ['reservation', 'reservation', 0, 10],
      ['set_level', 'set_level', 10, 10],
    ]);
    expect(ledger.items[0]).toMatchObject({ returnId, orderId: approved.orderId, by: null });
  });

  it("composes the checkout's release with the order's cancellation in either order: released once, never restocked", async () => {
    await h.setLevel.execute({ sku: 'COMP-1', onHand: 5 }, meta());
    const [first, second] = [newId(), newId()];
    for (const orderId of [first, second]) await h.reserve.execute({ orderId, lines: [{ sku: 'COMP-1', quantity: 2 }] }, meta());
    await h.release.execute({ orderId: first }, meta());
    await h.cancel.execute({ orderId: first }, meta());
    await h.cancel.execute({ orderId: second }, meta());
    await h.release.execute({ orderId: second }, meta());
    expect(await level('COMP-1')).toEqual({ sku: 'COMP-1', onHand: 5, reserved: 0, available: 5 });
    for (const orderId of [first, second])
      expect(await typesOf(`inventory.reservation-${orderId}`)).toEqual(['StockReservationConfirmed', 'StockReservationReleased']);
  });

  it('keeps restocks and adjustments in the ledger with who and why, and refuses one that would oversell', async () => {
    const staff = newId();
    await h.restock.execute({ sku: 'LEDG-1', quantity: 8, reason: 'supplier_delivery', note: 'PO-1' }, meta(staff));
    await h.reserve.execute({ orderId: newId(), lines: [{ sku: 'LEDG-1', quantity: 5 }] }, meta());
    await expect(h.adjust.execute({ sku: 'LEDG-1', delta: -4, reason: 'damaged' }, meta(staff))).rejects.toMatchObject({
      code: 'inventory.insufficient_stock',
    });
    expect(await h.adjust.execute({ sku: 'LEDG-1', delta: -3, reason: 'lost', note: 'shelf 4' }, meta(staff))).toEqual({
      sku: 'LEDG-1',
      onHand: 5,
      reserved: 5,
      available: 0,
    });
    const first = await findLedger(db, 'LEDG-1', { limit: 2 });
    expect(first.items).toMatchObject([
      { kind: 'adjustment', reason: 'lost', note: 'shelf 4', quantity: -3, reservedChange: 0, onHand: 5, available: 0, by: staff },
      { kind: 'reservation', quantity: 0, reservedChange: 5, onHand: 8, reserved: 5, by: null },
    ]);
    const rest = await findLedger(db, 'LEDG-1', { limit: 2, before: first.items[1].version });
    expect(rest).toMatchObject({
      items: [{ kind: 'restock', reason: 'supplier_delivery', note: 'PO-1', quantity: 8, onHand: 8, by: staff }],
      nextCursor: null,
    });
    expect(first.nextCursor).not.toBeNull();
  });

  it('records StockRanLow once per crossing of the threshold (3)', async () => {
    await h.setLevel.execute({ sku: 'LOW-1', onHand: 4 }, meta());
    const orders = [newId(), newId()];
    await h.reserve.execute({ orderId: orders[0], lines: [{ sku: 'LOW-1', quantity: 2 }] }, meta());
    await h.reserve.execute({ orderId: orders[1], lines: [{ sku: 'LOW-1', quantity: 1 }] }, meta());
    await h.release.execute({ orderId: orders[0] }, meta());
    await h.restock.execute({ sku: 'LOW-1', quantity: 1, reason: 'transfer' }, meta());
    await h.adjust.execute({ sku: 'LOW-1', delta: -2, reason: 'damaged' }, meta());
    const { rows } = await db.query<{ available: number }>(
      `select (data->>'available')::int as available from es.events where stream = 'inventory.stock-LOW-1' and type = 'StockRanLow' order by version`,
    );
    expect(rows.map((r) => r.available)).toEqual([2, 2]);
  });

  it('never oversells while holds expire, checkouts race for the freed units and expired orders are confirmed late (R1)', async () => {
    await h.setLevel.execute({ sku: 'RACE-1', onHand: 10 }, meta());
    const early = Array.from({ length: 10 }, () => newId());
    for (const orderId of early) await h.reserve.execute({ orderId, lines: [{ sku: 'RACE-1', quantity: 1 }] }, meta());
    clock.advance(TTL);
    const late = Array.from({ length: 30 }, () => newId());
    await Promise.all([
      expireDue(),
      ...late.map((orderId) => h.reserve.execute({ orderId, lines: [{ sku: 'RACE-1', quantity: 1 }] }, meta())),
      ...early.slice(0, 5).map((orderId) => h.commit.execute({ orderId }, meta())),
      ...early.slice(5, 8).map((orderId) => h.cancel.execute({ orderId }, meta())),
    ]);
    await expireDue();
    const { rows } = await db.query<{ status: string; n: string; units: string }>(
      `select status, count(*) as n, sum(quantity) as units from inventory.stock_reservations where sku = 'RACE-1' group by status`,
    );
    const units = Object.fromEntries(rows.map((r) => [r.status, Number(r.units)]));
    const stock = await level('RACE-1');
    expect(stock!.available).toBeGreaterThanOrEqual(0);
    expect(stock!.reserved).toBe(units.held ?? 0);
    expect(stock!.onHand).toBe(10 - (units.committed ?? 0));
    expect((units.held ?? 0) + (units.committed ?? 0)).toBeLessThanOrEqual(10);
    // every early order the test confirmed either has its units or is recorded short of stock
    for (const orderId of early.slice(0, 5)) {
      const types = await typesOf(`inventory.reservation-${orderId}`);
      expect(['StockReservationCommitted', 'ConfirmedOrderShortOfStock']).toContain(types.at(-1));
    }
  });
});
