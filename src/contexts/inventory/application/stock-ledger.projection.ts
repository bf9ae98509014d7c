import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import type { StockEvent } from '../domain/stock';

export type LedgerKind = 'set_level' | 'restock' | 'adjustment' | 'reservation' | 'release' | 'commit' | 'order_cancelled' | 'return';
type Entry = { kind: LedgerKind; reason: string; note?: string; orderId?: string; returnId?: string };

/** What each stock event is in the ledger; StockRanLow moves nothing and is left out. */
const entryOf = (event: StockEvent): Entry | null => {
  switch (event.type) {
    case 'StockLevelSet':
      return { kind: 'set_level', reason: 'set_level' };
    case 'StockRestocked':
      return { kind: 'restock', reason: event.data.reason, note: event.data.note };
    case 'StockAdjusted':
      return { kind: 'adjustment', reason: event.data.reason, note: event.data.note };
    case 'StockReserved':
      return { kind: 'reservation', reason: 'reservation', orderId: event.data.orderId };
    case 'StockReleased':
      return { kind: 'release', reason: event.data.reason ?? 'requested', orderId: event.data.orderId };
    case 'StockCommitted':
      return { kind: 'commit', reason: 'reservation_committed', orderId: event.data.orderId };
    case 'CancelledOrderRestocked':
      return { kind: 'order_cancelled', reason: 'order_cancelled', orderId: event.data.orderId };
    case 'StockReturned':
      return { kind: 'return', reason: 'return', orderId: event.data.orderId, returnId: event.data.returnId };
    case 'StockRanLow':
      return null;
  }
};

/**
 * `inventory.stock_ledger`: every movement of a SKU with the change it made, the levels after it, why, for which
 * order or return, by whom and when. The change is the difference to the SKU's previous entry, so a count (set
 * level) shows how far it moved on-hand, like every other movement.
 */
export const stockLedgerProjection: InlineProjection = {
  name: 'inventory.stock-ledger',
  handles: [
    'StockLevelSet',
    'StockRestocked',
    'StockAdjusted',
    'StockReserved',
    'StockReleased',
    'StockCommitted',
    'CancelledOrderRestocked',
    'StockReturned',
  ],
  async apply(tx, events) {
    const entries = (events as RecordedEvent<StockEvent>[]).flatMap((event) => {
      const entry = entryOf(event);
      if (!entry || event.type === 'StockRanLow') return [];
      const { level, sku } = event.data;
      const { kind, reason, note, orderId, returnId } = entry;
      const { userId, occurredAt } = event.metadata;
      return [
        {
          sku,
          version: event.version,
          kind,
          reason,
          note,
          onHand: level.onHand,
          reserved: level.reserved,
          orderId,
          returnId,
          userId,
          occurredAt,
        },
      ];
    });
    if (entries.length === 0) return;
    // every entry of a batch in one statement: the change is the difference to the SKU's entry before it, in the
    // batch or else in the table
    await tx.query(
      `insert into inventory.stock_ledger
         (sku, version, kind, reason, note, on_hand_change, reserved_change, on_hand, reserved, order_id, return_id, user_id, occurred_at)
       select r.sku, r.version, r.kind, r.reason, r.note,
              r."onHand" - coalesce(lag(r."onHand") over w, p.on_hand, 0), r.reserved - coalesce(lag(r.reserved) over w, p.reserved, 0),
              r."onHand", r.reserved, r."orderId", r."returnId", r."userId", r."occurredAt"
         from jsonb_to_recordset($1::jsonb) as r(sku text, version int, kind text, reason text, note text, "onHand" int, reserved int,
                                                 "orderId" text, "returnId" text, "userId" text, "occurredAt" timestamptz)
         left join lateral (
           select l.on_hand, l.reserved from inventory.stock_ledger l where l.sku = r.sku order by l.version desc limit 1
         ) p on true
       window w as (partition by r.sku order by r.version)`,
      [JSON.stringify(entries)],
    );
  },
  async reset(tx) {
    await tx.query('truncate inventory.stock_ledger');
  },
};

export type LedgerEntry = {
  version: number;
  kind: LedgerKind;
  reason: string;
  note?: string;
  /** change of on-hand (negative: units left) */
  quantity: number;
  reservedChange: number;
  onHand: number;
  reserved: number;
  available: number;
  orderId?: string;
  returnId?: string;
  /** the user who made the change; null for the system (checkout, expiry, order events) */
  by: string | null;
  at: string;
};

export type LedgerPage = { sku: string; items: LedgerEntry[]; nextCursor: string | null };

export const encodeLedgerCursor = (version: number): string => Buffer.from(`v${version}`).toString('base64url');

/** The version a cursor points before, or undefined when it is not one of ours. */
export const decodeLedgerCursor = (cursor: string): number | undefined => {
  const match = /^v([1-9][0-9]{0,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const version = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(version) && version <= 2_147_483_647 ? version : undefined;
};

type LedgerRow = {
  version: number;
  kind: LedgerKind;
  reason: string;
  note: string | null;
  on_hand_change: number;
  reserved_change: number;
  on_hand: number;
  reserved: number;
  order_id: string | null;
  return_id: string | null;
  user_id: string | null;
  occurred_at: Date;
};

/** A SKU's movements, newest first, `limit` per page, before the version `before` (cursor). */
export const findLedger = async (db: Sql, sku: string, page: { limit: number; before?: number }): Promise<LedgerPage> => {
  const { rows } = await db.query<LedgerRow>(
    `select version, kind, reason, note, on_hand_change, reserved_change, on_hand, reserved, order_id, return_id, user_id, occurred_at
       from inventory.stock_ledger
      where sku = $1 and ($2::int is null or version < $2)
      order by version desc
      limit $3`,
    [sku, page.before ?? null, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map((row): LedgerEntry => ({
    version: row.version,
    kind: row.kind,
    reason: row.reason,
    ...(row.note ? { note: row.note } : {}),
    quantity: row.on_hand_change,
    reservedChange: row.reserved_change,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.on_hand - row.reserved,
    ...(row.order_id ? { orderId: row.order_id } : {}),
    ...(row.return_id ? { returnId: row.return_id } : {}),
    by: row.user_id,
    at: row.occurred_at.toISOString(),
  }));
  const last = items.at(-1);
  return { sku, items, nextCursor: rows.length > page.limit && last ? encodeLedgerCursor(last.version) : null };
};
