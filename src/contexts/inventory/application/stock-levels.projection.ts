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
    let run: RecordedEvent<HoldMove>[] = [];
    for (const event of events as RecordedEvent<StockEvent>[]) {
      if (isHoldMove(event)) {
        run.push(event);
        continue;
      }
      await applyMoves(tx, run);
      run = [];
      await applyReceipt(tx, event);
    }
    await applyMoves(tx, run);
  },
};

/** The events of a checkout's path: they move the levels of rows that exist, by deltas, and an order's hold. */
const HOLD_MOVES = ['StockReserved', 'StockReleased', 'StockCommitted', 'CancelledOrderRestocked', 'StockRanLow'] as const;
type HoldMove = Extract<StockEvent, { type: (typeof HOLD_MOVES)[number] }>;
const isHoldMove = (event: RecordedEvent<StockEvent>): event is RecordedEvent<HoldMove> =>
  (HOLD_MOVES as readonly string[]).includes(event.type);

/** What a hold move does: the deltas, and the order's hold afterwards (none for StockRanLow). */
const changeOf = (event: HoldMove): { onHand: number; reserved: number; hold?: { orderId: string; status: HoldStatus } } => {
  switch (event.type) {
    case 'StockReserved':
      return { onHand: 0, reserved: event.data.quantity, hold: { orderId: event.data.orderId, status: 'held' } };
    case 'StockReleased':
      return { onHand: 0, reserved: -event.data.quantity, hold: { orderId: event.data.orderId, status: 'released' } };
    case 'StockCommitted': {
      const { quantity, wasHeld, orderId } = event.data;
      return { onHand: -quantity, reserved: wasHeld ? -quantity : 0, hold: { orderId, status: 'committed' } };
    }
    case 'CancelledOrderRestocked':
      return { onHand: event.data.quantity, reserved: 0, hold: { orderId: event.data.orderId, status: 'restocked' } };
    case 'StockRanLow':
      return { onHand: 0, reserved: 0 };
  }
};

/**
 * A run of hold moves (a batch of reservations or commitments) in at most three statements whatever its length: the
 * new holds, the final status of each hold that moved, then each SKU's summed deltas at its last version. The CHECK
 * constraints see each SKU's levels after the run.
 */
const applyMoves = async (tx: Sql, run: readonly RecordedEvent<HoldMove>[]): Promise<void> => {
  if (run.length === 0) return;
  // one statement for one move (an HTTP command, a batch of one): the run's way costs two
  if (run.length === 1) return applyMove(tx, run[0]);
  const held: { sku: string; orderId: string; quantity: number }[] = [];
  const holds = new Map<string, { sku: string; orderId: string; status: HoldStatus }>();
  const levels = new Map<string, { sku: string; onHand: number; reserved: number; version: number; at: string }>();
  for (const event of run) {
    const { sku } = event.data;
    const change = changeOf(event);
    if (event.type === 'StockReserved') held.push({ sku, orderId: event.data.orderId, quantity: event.data.quantity });
    else if (change.hold) holds.set(`${sku}\n${change.hold.orderId}`, { sku, ...change.hold });
    const level = levels.get(sku) ?? { sku, onHand: 0, reserved: 0, version: 0, at: '' };
    levels.set(sku, {
      sku,
      onHand: level.onHand + change.onHand,
      reserved: level.reserved + change.reserved,
      version: event.version,
      at: event.metadata.occurredAt,
    });
  }
  if (held.length > 0) {
    await tx.query(
      `insert into inventory.stock_reservations (sku, order_id, quantity)
       select h.sku, h."orderId", h.quantity from jsonb_to_recordset($1::jsonb) as h(sku text, "orderId" text, quantity int)`,
      [JSON.stringify(held)],
    );
  }
  if (holds.size > 0) {
    await tx.query(
      `update inventory.stock_reservations r set status = h.status
         from jsonb_to_recordset($1::jsonb) as h(sku text, "orderId" text, status text)
        where r.sku = h.sku and r.order_id = h."orderId"`,
      [JSON.stringify([...holds.values()])],
    );
  }
  await tx.query(
    `update inventory.stock_levels s
        set on_hand = s.on_hand + l."onHand", reserved = s.reserved + l.reserved, version = l.version, updated_at = l.at
       from jsonb_to_recordset($1::jsonb) as l(sku text, "onHand" int, reserved int, version int, at timestamptz)
      where s.sku = l.sku`,
    [JSON.stringify([...levels.values()])],
  );
};

/** One hold move in one statement: its deltas, and its order's hold (a reservation inserts it). */
const applyMove = async (tx: Sql, event: RecordedEvent<HoldMove>): Promise<void> => {
  const { onHand, reserved, hold } = changeOf(event);
  const { sku } = event.data;
  const at = event.metadata.occurredAt;
  if (event.type === 'StockReserved') {
    await tx.query(
      `with held as (insert into inventory.stock_reservations (sku, order_id, quantity) values ($1, $2, $3))
       update inventory.stock_levels set reserved = reserved + $3, version = $4, updated_at = $5 where sku = $1`,
      [sku, event.data.orderId, event.data.quantity, event.version, at],
    );
    return;
  }
  await tx.query(
    `with hold as (update inventory.stock_reservations set status = $7 where $6::text is not null and sku = $1 and order_id = $6)
     update inventory.stock_levels set on_hand = on_hand + $2, reserved = reserved + $3, version = $4, updated_at = $5 where sku = $1`,
    [sku, onHand, reserved, event.version, at, hold?.orderId ?? null, hold?.status ?? null],
  );
};

/** Adds `change` to on-hand; a SKU never stocked gets its row (with the levels the event carries: the change). */
const receive = async (tx: Sql, event: RecordedEvent<Receipt>, change: number): Promise<void> => {
  await tx.query(
    `insert into inventory.stock_levels (sku, on_hand, reserved, version, updated_at) values ($1, $2, 0, $3, $4)
     on conflict (sku) do update set on_hand = stock_levels.on_hand + $5, version = excluded.version, updated_at = excluded.updated_at`,
    [event.data.sku, event.data.level.onHand, event.version, event.metadata.occurredAt, change],
  );
};

/** The events that set or add to on-hand: counts, returns, restocks, adjustments. */
type Receipt = Exclude<StockEvent, HoldMove>;

const applyReceipt = async (tx: Sql, event: RecordedEvent<Receipt>): Promise<void> => {
  switch (event.type) {
    case 'StockLevelSet':
      await tx.query(
        `insert into inventory.stock_levels (sku, on_hand, reserved, version, updated_at) values ($1, $2, 0, $3, $4)
         on conflict (sku) do update set on_hand = excluded.on_hand, version = excluded.version, updated_at = excluded.updated_at`,
        [event.data.sku, event.data.onHand, event.version, event.metadata.occurredAt],
      );
      return;
    case 'StockReturned':
    case 'StockRestocked':
      return receive(tx, event, event.data.quantity);
    case 'StockAdjusted':
      return receive(tx, event, event.data.delta);
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
