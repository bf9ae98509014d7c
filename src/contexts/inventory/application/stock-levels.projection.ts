import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { LEVEL_CHANGES, type HoldStatus, type StockEvent } from '../domain/stock';

/**
 * `inventory.stock_levels` (+ `stock_reservations`), updated in the append transaction. Quantities change by
 * deltas, so the CHECK constraints refuse any write that would oversell even if a decision ran on stale state.
 * The rows double as a snapshot of each stock stream: handlers lock them and decide on them (see stock-writes).
 */
export const stockLevelsProjection: InlineProjection = {
  name: 'inventory.stock-levels',
  handles: [...LEVEL_CHANGES, 'StockRanLow'],
  async apply(tx, events) {
    for (const event of events as RecordedEvent<StockEvent>[]) await applyEvent(tx, event);
  },
};

/** Moves on-hand and reserved by deltas, and the order's hold to `status` when given. */
const move = async (
  tx: Sql,
  event: RecordedEvent<StockEvent>,
  change: { onHand: number; reserved: number },
  hold?: { orderId: string; status: HoldStatus },
): Promise<void> => {
  const params = [
    event.data.sku,
    change.onHand,
    change.reserved,
    event.version,
    event.metadata.occurredAt,
    hold?.orderId ?? null,
    hold?.status ?? null,
  ];
  await tx.query(
    `with hold as (update inventory.stock_reservations set status = $7 where $6::text is not null and sku = $1 and order_id = $6)
     update inventory.stock_levels set on_hand = on_hand + $2, reserved = reserved + $3, version = $4, updated_at = $5 where sku = $1`,
    params,
  );
};

/** Adds `change` to on-hand; a SKU never stocked gets its row (with the levels the event carries: the change). */
const receive = async (tx: Sql, event: RecordedEvent<StockEvent>, change: number): Promise<void> => {
  if (event.type === 'StockRanLow') return;
  await tx.query(
    `insert into inventory.stock_levels (sku, on_hand, reserved, version, updated_at) values ($1, $2, 0, $3, $4)
     on conflict (sku) do update set on_hand = stock_levels.on_hand + $5, version = excluded.version, updated_at = excluded.updated_at`,
    [event.data.sku, event.data.level.onHand, event.version, event.metadata.occurredAt, change],
  );
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
      return move(tx, event, { onHand: 0, reserved: -event.data.quantity }, { orderId: event.data.orderId, status: 'released' });
    case 'StockCommitted': {
      const { quantity, wasHeld, orderId } = event.data;
      return move(tx, event, { onHand: -quantity, reserved: wasHeld ? -quantity : 0 }, { orderId, status: 'committed' });
    }
    case 'CancelledOrderRestocked':
      return move(tx, event, { onHand: event.data.quantity, reserved: 0 }, { orderId: event.data.orderId, status: 'restocked' });
    case 'StockReturned':
    case 'StockRestocked':
      return receive(tx, event, event.data.quantity);
    case 'StockAdjusted':
      return receive(tx, event, event.data.delta);
    case 'StockRanLow':
      return move(tx, event, { onHand: 0, reserved: 0 });
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
