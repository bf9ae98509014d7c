import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import type { StockEvent, StockState } from '../domain/stock';

/**
 * `inventory.stock_levels` (+ `stock_reservations`), updated in the append transaction. Quantities change by
 * deltas, so the CHECK constraints refuse any write that would oversell even if a decision ran on stale state.
 * The rows double as a snapshot of each stock stream: handlers lock them and decide on them (see lockStocks).
 */
export const stockLevelsProjection: InlineProjection = {
  name: 'inventory.stock-levels',
  handles: ['StockLevelSet', 'StockReserved', 'StockReleased'],
  async apply(tx, events) {
    for (const event of events as RecordedEvent<StockEvent>[]) await applyEvent(tx, event);
  },
};

const applyEvent = async (tx: Sql, event: RecordedEvent<StockEvent>): Promise<void> => {
  const at = event.metadata.occurredAt;
  switch (event.type) {
    case 'StockLevelSet':
      await tx.query(
        `insert into inventory.stock_levels (sku, on_hand, reserved, version, updated_at) values ($1, $2, 0, $3, $4)
         on conflict (sku) do update set on_hand = excluded.on_hand, version = excluded.version, updated_at = excluded.updated_at`,
        [event.data.sku, event.data.onHand, event.version, at],
      );
      return;
    case 'StockReserved':
      await tx.query(
        `with held as (insert into inventory.stock_reservations (sku, order_id, quantity) values ($1, $2, $3))
         update inventory.stock_levels set reserved = reserved + $3, version = $4, updated_at = $5 where sku = $1`,
        [event.data.sku, event.data.orderId, event.data.quantity, event.version, at],
      );
      return;
    case 'StockReleased':
      await tx.query(
        `with freed as (update inventory.stock_reservations set released = true where sku = $1 and order_id = $2)
         update inventory.stock_levels set reserved = reserved - $3, version = $4, updated_at = $5 where sku = $1`,
        [event.data.sku, event.data.orderId, event.data.quantity, event.version, at],
      );
      return;
  }
};

export type StockLevelView = { sku: string; onHand: number; reserved: number; available: number };

export const getStockLevel = async (db: Sql, sku: string): Promise<StockLevelView | null> => {
  const { rows } = await db.query<StockLevelView>(
    `select sku, on_hand as "onHand", reserved, available from inventory.stock_levels where sku = $1`,
    [sku],
  );
  return rows[0] ?? null;
};

/** A stock stream's state as of `version`, read from its projection row. */
export type LockedStock = { state: StockState; version: number };

/**
 * Locks the stock rows of `skus` in one fixed order (so concurrent multi-SKU reservations never deadlock) and
 * returns each SKU's state, restricted to the one order a decision concerns. SKUs never stocked are absent.
 */
export const lockStocks = async (tx: Sql, skus: readonly string[], orderId?: string): Promise<Map<string, LockedStock>> => {
  const { rows } = await tx.query<{
    sku: string;
    on_hand: number;
    reserved: number;
    version: number;
    quantity: number | null;
    released: boolean | null;
  }>(
    `select s.sku, s.on_hand, s.reserved, s.version, r.quantity, r.released
       from inventory.stock_levels s
       left join inventory.stock_reservations r on r.sku = s.sku and r.order_id = $2
      where s.sku = any($1::text[])
      order by s.sku collate "C"
        for update of s`,
    [skus, orderId ?? null],
  );
  return new Map(
    rows.map((row) => {
      const reservations =
        orderId && row.quantity !== null ? { [orderId]: { quantity: row.quantity, released: row.released === true } } : {};
      return [row.sku, { state: { stocked: true, onHand: row.on_hand, reserved: row.reserved, reservations }, version: row.version }];
    }),
  );
};
