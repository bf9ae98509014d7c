import { createHash } from 'node:crypto';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import type { ReservationDecision } from '../domain/reservation';
import type { StockState } from '../domain/stock';
import type { LockedStock } from './stock-levels.projection';

export const stockStream = (sku: string): string => `inventory.stock-${sku}`;
export const reservationStream = (orderId: string): string => `inventory.reservation-${orderId}`;

/**
 * One command that appends to several streams gives each append its own command id (a name-based UUID of the
 * command id and the stream), so the event store's per-command idempotency never mistakes the second for a repeat.
 */
export const metaForStream = (meta: CommandMeta, stream: string): CommandMeta => {
  const h = createHash('sha1').update(`${meta.commandId}\n${stream}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return { ...meta, commandId: `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}` };
};

export const statesOf = (locked: ReadonlyMap<string, LockedStock>): Map<string, StockState> =>
  new Map([...locked].map(([sku, { state }]) => [sku, state]));

const expected = (version: number | undefined) => (version ? version : 'no_stream');

/** Appends an order-level decision: each SKU stream at the version it was locked at, then the order's outcome. */
export const appendReservationDecision = async (
  eventStore: EventStore,
  tx: Sql,
  decision: ReservationDecision,
  locked: ReadonlyMap<string, LockedStock>,
  reservation: { orderId: string; version: number },
  meta: CommandMeta,
): Promise<void> => {
  for (const { sku, events } of decision.stock) {
    if (events.length === 0) continue;
    const stream = stockStream(sku);
    await eventStore.append(stream, events, { expectedVersion: expected(locked.get(sku)?.version), meta: metaForStream(meta, stream), tx });
  }
  if (decision.outcome.length === 0) return;
  const stream = reservationStream(reservation.orderId);
  await eventStore.append(stream, decision.outcome, {
    expectedVersion: expected(reservation.version),
    meta: metaForStream(meta, stream),
    tx,
  });
};

/** PostgreSQL codes after which the whole transaction is simply run again: unique and check violations, serialization failure, deadlock. */
