import { InvalidInput } from '../../../shared-kernel/errors';
import {
  commit,
  InsufficientStock,
  SkuNotStocked,
  initialStockState,
  release,
  reserve,
  restockCancelled,
  type ReleaseReason,
  type StockEvent,
  type StockState,
} from './stock';

/**
 * The stock of one order (stream `inventory.reservation-<orderId>`): held, then committed when the order is confirmed,
 * or released (asked, expired, order cancelled). It makes every command and event about the order idempotent and is
 * what other contexts hear about.
 */
export type ReservationLine = { sku: string; quantity: number };
export type RejectionReason = 'insufficient_stock' | 'sku_not_stocked';

export type ReservationEvent =
  | { type: 'StockReservationConfirmed'; data: { orderId: string; lines: ReservationLine[] } }
  | {
      type: 'StockReservationRejected';
      data: { orderId: string; reason: RejectionReason; sku: string; requested: number; available: number };
    }
  /** `reason` is absent on releases recorded before expiry existed: those were asked for. */
  | { type: 'StockReservationReleased'; data: { orderId: string; lines: ReservationLine[]; reason?: ReleaseReason } }
  | { type: 'StockReservationCommitted'; data: { orderId: string; lines: ReservationLine[] } }
  /** The order was confirmed after its hold expired, and `sku` could not be taken again: staff must act. */
  | {
      type: 'ConfirmedOrderShortOfStock';
      data: { orderId: string; lines: ReservationLine[]; sku: string; requested: number; available: number };
    }
  | { type: 'CommittedStockRestocked'; data: { orderId: string; lines: ReservationLine[] } }
  /** The order was cancelled after its hold expired: nothing to give back, but a late confirmation takes nothing. */
  | { type: 'StockReservationClosed'; data: { orderId: string } };

export type ReservationState =
  | { status: 'none' }
  | { status: 'confirmed'; lines: ReservationLine[] }
  | { status: 'rejected'; reason: RejectionReason; sku: string }
  | { status: 'released'; lines: ReservationLine[]; reason: ReleaseReason }
  | { status: 'committed'; lines: ReservationLine[] }
  | { status: 'short'; lines: ReservationLine[] }
  | { status: 'restocked'; lines: ReservationLine[] }
  | { status: 'closed' };

export const reservationDecider = {
  initialState: (): ReservationState => ({ status: 'none' }),
  evolve: (_state: ReservationState, event: ReservationEvent): ReservationState => {
    switch (event.type) {
      case 'StockReservationConfirmed':
        return { status: 'confirmed', lines: event.data.lines };
      case 'StockReservationRejected':
        return { status: 'rejected', reason: event.data.reason, sku: event.data.sku };
      case 'StockReservationReleased':
        return { status: 'released', lines: event.data.lines, reason: event.data.reason ?? 'requested' };
      case 'StockReservationCommitted':
        return { status: 'committed', lines: event.data.lines };
      case 'ConfirmedOrderShortOfStock':
        return { status: 'short', lines: event.data.lines };
      case 'CommittedStockRestocked':
        return { status: 'restocked', lines: event.data.lines };
      case 'StockReservationClosed':
        return { status: 'closed' };
    }
  },
};

/** Appended by the scheduler to `inventory.expiry-<orderId>` when a hold's time is up; the expiry consumer acts on it. */
export type ReservationExpiryDue = { type: 'ReservationExpiryDue'; data: { orderId: string } };

/** What one order-level decision appends: events per SKU stream, then the order's (or return's) outcome. */
export type StockDecision<O> = { stock: { sku: string; events: StockEvent[] }[]; outcome: O[] };
export type ReservationDecision = StockDecision<ReservationEvent>;

const nothing: ReservationDecision = { stock: [], outcome: [] };

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

/** The SKUs a decision on this order may touch (to lock their stock rows). */
export const skusOf = (reservation: ReservationState): string[] =>
  'lines' in reservation ? reservation.lines.map((line) => line.sku) : [];

const stockOf = (stocks: ReadonlyMap<string, StockState>, sku: string) => stocks.get(sku) ?? initialStockState();

/**
 * All or nothing: every line is reserved, or none is and the order's reservation is rejected with the first SKU
 * short of stock. A decided order (any status but none) is a no-op.
 */
export const reserveForOrder = (
  reservation: ReservationState,
  stocks: ReadonlyMap<string, StockState>,
  { orderId, lines }: { orderId: string; lines: readonly ReservationLine[] },
): ReservationDecision => {
  if (reservation.status !== 'none') return nothing;
  const sorted = normalizeLines(lines);
  const stock: ReservationDecision['stock'] = [];
  for (const { sku, quantity } of sorted) {
    try {
      stock.push({ sku, events: reserve(stockOf(stocks, sku), { sku, orderId, quantity }) });
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
 * Gives back what a held reservation holds. Releasing an order that holds nothing yet (none, or rejected) records the
 * release too, so a reservation command arriving late does nothing. Anything already released, committed or closed
 * is a no-op: whichever of the checkout's release and the order's cancellation comes second does nothing.
 */
export const releaseForOrder = (
  reservation: ReservationState,
  stocks: ReadonlyMap<string, StockState>,
  { orderId, reason = 'requested' }: { orderId: string; reason?: ReleaseReason },
): ReservationDecision => {
  if (reservation.status !== 'none' && reservation.status !== 'rejected' && reservation.status !== 'confirmed') return nothing;
  const lines = reservation.status === 'confirmed' ? reservation.lines : [];
  const stock = lines.map(({ sku }) => ({ sku, events: release(stockOf(stocks, sku), { sku, orderId, reason }) }));
  return { stock, outcome: [{ type: 'StockReservationReleased', data: { orderId, lines, reason } }] };
};

/** The hold's time is up: released if still held; committed, released or unknown orders are left alone. */
export const expireReservation = (
  reservation: ReservationState,
  stocks: ReadonlyMap<string, StockState>,
  { orderId }: { orderId: string },
): ReservationDecision =>
  reservation.status === 'confirmed' ? releaseForOrder(reservation, stocks, { orderId, reason: 'expired' }) : nothing;

/**
 * The order is confirmed: its held units leave on-hand and reserved together. If its hold had expired, the units
 * are taken again from available, all or none; when one SKU is short the order is recorded short of stock.
 * Orders released for another reason, cancelled or already committed are a no-op.
 */
export const commitForOrder = (
  reservation: ReservationState,
  stocks: ReadonlyMap<string, StockState>,
  { orderId }: { orderId: string },
): ReservationDecision => {
  const expired = reservation.status === 'released' && reservation.reason === 'expired';
  if (reservation.status !== 'confirmed' && !expired) return nothing;
  const { lines } = reservation;
  const stock: ReservationDecision['stock'] = [];
  for (const { sku, quantity } of lines) {
    try {
      stock.push({ sku, events: commit(stockOf(stocks, sku), { sku, orderId }) });
    } catch (error) {
      if (!(error instanceof InsufficientStock)) throw error;
      const available = error.details.available as number;
      return {
        stock: [],
        outcome: [{ type: 'ConfirmedOrderShortOfStock', data: { orderId, lines, sku, requested: quantity, available } }],
      };
    }
  }
  return { stock, outcome: [{ type: 'StockReservationCommitted', data: { orderId, lines } }] };
};

/**
 * The order is cancelled: stock still held is released, committed stock goes back on hand, and an expired hold is
 * closed so that a late confirmation takes nothing. An order never reserved records the release (a late reservation
 * command then does nothing). Everything else, and a second cancellation, is a no-op.
 */
export const cancelForOrder = (
  reservation: ReservationState,
  stocks: ReadonlyMap<string, StockState>,
  { orderId }: { orderId: string },
): ReservationDecision => {
  switch (reservation.status) {
    case 'none':
    case 'confirmed':
      return releaseForOrder(reservation, stocks, { orderId, reason: 'order_cancelled' });
    case 'committed': {
      const stock = reservation.lines.map(({ sku }) => ({ sku, events: restockCancelled(stockOf(stocks, sku), { sku, orderId }) }));
      return { stock, outcome: [{ type: 'CommittedStockRestocked', data: { orderId, lines: reservation.lines } }] };
    }
    case 'released':
      return reservation.reason === 'expired' ? { stock: [], outcome: [{ type: 'StockReservationClosed', data: { orderId } }] } : nothing;
    default:
      return nothing;
  }
};

const rejected = (orderId: string, reason: RejectionReason, sku: string, requested: number, available: number): ReservationDecision => ({
  stock: [],
  outcome: [{ type: 'StockReservationRejected', data: { orderId, reason, sku, requested, available } }],
});
