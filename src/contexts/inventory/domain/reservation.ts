import { InvalidInput } from '../../../shared-kernel/errors';
import { InsufficientStock, SkuNotStocked, initialStockState, release, reserve, type StockEvent, type StockState } from './stock';

/**
 * The outcome of reserving stock for one order (stream `inventory.reservation-<orderId>`): it makes ReserveStock
 * and ReleaseStock idempotent per order and is what other contexts hear about.
 */
export type ReservationLine = { sku: string; quantity: number };
export type RejectionReason = 'insufficient_stock' | 'sku_not_stocked';

export type ReservationEvent =
  | { type: 'StockReservationConfirmed'; data: { orderId: string; lines: ReservationLine[] } }
  | {
      type: 'StockReservationRejected';
      data: { orderId: string; reason: RejectionReason; sku: string; requested: number; available: number };
    }
  | { type: 'StockReservationReleased'; data: { orderId: string; lines: ReservationLine[] } };

export type ReservationState =
  | { status: 'none' }
  | { status: 'confirmed'; lines: ReservationLine[] }
  | { status: 'rejected'; reason: RejectionReason; sku: string }
  | { status: 'released'; lines: ReservationLine[] };

export const reservationDecider = {
  initialState: (): ReservationState => ({ status: 'none' }),
  evolve: (_state: ReservationState, event: ReservationEvent): ReservationState => {
    switch (event.type) {
      case 'StockReservationConfirmed':
        return { status: 'confirmed', lines: event.data.lines };
      case 'StockReservationRejected':
        return { status: 'rejected', reason: event.data.reason, sku: event.data.sku };
      case 'StockReservationReleased':
        return { status: 'released', lines: event.data.lines };
    }
  },
};

/** What one order-level decision appends: events per SKU stream, then the order's outcome. */
export type ReservationDecision = { stock: { sku: string; events: StockEvent[] }[]; outcome: ReservationEvent[] };

/** Sums quantities per SKU and sorts by SKU: the fixed order in which stock is locked and reserved. */
export const normalizeLines = (lines: readonly ReservationLine[]): ReservationLine[] => {
  if (lines.length === 0) throw new InvalidInput('inventory.no_lines', 'a reservation needs at least one line');
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of lines) {
    if (!Number.isSafeInteger(quantity) || quantity < 1)
      throw new InvalidInput('inventory.invalid_quantity', 'quantity must be an integer >= 1', { sku, quantity });
    bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  }
  return [...bySku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
};

/**
 * All or nothing: every line is reserved, or none is and the order's reservation is rejected with the first SKU
 * short of stock. A decided order (confirmed, rejected or released) is a no-op.
 */
export const reserveForOrder = (
  reservation: ReservationState,
  stocks: ReadonlyMap<string, StockState>,
  { orderId, lines }: { orderId: string; lines: readonly ReservationLine[] },
): ReservationDecision => {
  if (reservation.status !== 'none') return { stock: [], outcome: [] };
  const sorted = normalizeLines(lines);
  const stock: ReservationDecision['stock'] = [];
  for (const { sku, quantity } of sorted) {
    try {
      stock.push({ sku, events: reserve(stocks.get(sku) ?? initialStockState(), { sku, orderId, quantity }) });
    } catch (error) {
      if (error instanceof InsufficientStock)
        return rejected(orderId, 'insufficient_stock', sku, quantity, error.details.available as number);
      if (error instanceof SkuNotStocked) return rejected(orderId, 'sku_not_stocked', sku, quantity, 0);
      throw error;
    }
  }
  return { stock, outcome: [{ type: 'StockReservationConfirmed', data: { orderId, lines: sorted } }] };
};

/**
 * Gives back what a confirmed reservation holds. Releasing a reservation that holds nothing (none yet, or rejected)
 * records the release too, so a reservation command arriving late does nothing; releasing twice is a no-op.
 */
export const releaseForOrder = (
  reservation: ReservationState,
  stocks: ReadonlyMap<string, StockState>,
  { orderId }: { orderId: string },
): ReservationDecision => {
  if (reservation.status === 'released') return { stock: [], outcome: [] };
  const lines = reservation.status === 'confirmed' ? reservation.lines : [];
  const stock = lines.map(({ sku }) => ({ sku, events: release(stocks.get(sku) ?? initialStockState(), { sku, orderId }) }));
  return { stock, outcome: [{ type: 'StockReservationReleased', data: { orderId, lines } }] };
};

const rejected = (orderId: string, reason: RejectionReason, sku: string, requested: number, available: number): ReservationDecision => ({
  stock: [],
  outcome: [{ type: 'StockReservationRejected', data: { orderId, reason, sku, requested, available } }],
});
