import { Conflict, InvalidInput } from '../../../shared-kernel/errors';

/**
 * Stock of one SKU (stream `inventory.stock-<sku>`). Every movement carries the levels after it, so the published
 * `inventory.stock-level-changed.v1` and the ledger need no lookup. Invariant: 0 <= reserved <= onHand.
 */
export type StockLevel = { onHand: number; reserved: number };

/** Why a hold was given back: its owner asked (the checkout's compensation), it expired, or its order was cancelled. */
export type ReleaseReason = 'requested' | 'expired' | 'order_cancelled';
export const ADJUSTMENT_REASONS = ['damaged', 'lost', 'found', 'count_correction', 'other'] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

export type StockEvent =
  | { type: 'StockLevelSet'; data: { sku: string; onHand: number; level: StockLevel } }
  | { type: 'StockReserved'; data: { sku: string; orderId: string; quantity: number; level: StockLevel } }
  | { type: 'StockReleased'; data: { sku: string; orderId: string; quantity: number; reason?: ReleaseReason; level: StockLevel } }
  /** The order's units leave the shelf; `wasHeld` false: its hold had expired and the units were taken again from available. */
  | { type: 'StockCommitted'; data: { sku: string; orderId: string; quantity: number; wasHeld: boolean; level: StockLevel } }
  | { type: 'CancelledOrderRestocked'; data: { sku: string; orderId: string; quantity: number; level: StockLevel } }
  | { type: 'StockReturned'; data: { sku: string; returnId: string; orderId: string; quantity: number; level: StockLevel } }
  | { type: 'StockRestocked'; data: { sku: string; quantity: number; reason: string; note?: string; level: StockLevel } }
  | { type: 'StockAdjusted'; data: { sku: string; delta: number; reason: AdjustmentReason; note?: string; level: StockLevel } }
  /** Available fell below the threshold (published as `inventory.low-stock.v1`); the levels are unchanged. */
  | { type: 'StockRanLow'; data: { sku: string; available: number; threshold: number } };

/** The stock events that move a SKU's level; each is published as a stock-level change carrying its stream version. */
export const LEVEL_CHANGES = [
  'StockLevelSet',
  'StockReserved',
  'StockReleased',
  'StockCommitted',
  'CancelledOrderRestocked',
  'StockReturned',
  'StockRestocked',
  'StockAdjusted',
] as const satisfies readonly StockEvent['type'][];

/** held: counts in `reserved`; committed: the units left on-hand; restocked: a committed order's units came back. */
export type HoldStatus = 'held' | 'released' | 'committed' | 'restocked';
export type StockReservation = { quantity: number; status: HoldStatus };

export type StockState = {
  stocked: boolean;
  onHand: number;
  reserved: number;
  /** by orderId; a reservation stays after it ends, so a late duplicate cannot reserve, release or restock again */
  reservations: Record<string, StockReservation>;
};

export const initialStockState = (): StockState => ({ stocked: false, onHand: 0, reserved: 0, reservations: {} });

const HOLD_AFTER: Partial<Record<StockEvent['type'], HoldStatus>> = {
  StockReserved: 'held',
  StockReleased: 'released',
  StockCommitted: 'committed',
  CancelledOrderRestocked: 'restocked',
};

export const evolve = (state: StockState, event: StockEvent): StockState => {
  if (event.type === 'StockRanLow') return state;
  const next: StockState = { ...state, stocked: true, onHand: event.data.level.onHand, reserved: event.data.level.reserved };
  const status = HOLD_AFTER[event.type];
  if (status && 'orderId' in event.data) {
    const { orderId, quantity } = event.data;
    next.reservations = { ...state.reservations, [orderId]: { quantity, status } };
  }
  return next;
};

export const stockDecider = { initialState: initialStockState, evolve };

export const available = (state: Pick<StockState, 'onHand' | 'reserved'>): number => state.onHand - state.reserved;

/** The most a SKU may have on hand: far above any real stock, and well inside the database's integer. */
export const MAX_ON_HAND = 1_000_000_000;

export class OnHandBelowReserved extends Conflict {
  constructor(details: { sku: string; onHand: number; reserved: number }) {
    super('inventory.on_hand_below_reserved', 'on-hand stock cannot be set below the quantity already reserved', details);
  }
}

export class InsufficientStock extends Conflict {
  constructor(details: { sku: string; requested: number; available: number }) {
    super('inventory.insufficient_stock', 'not enough stock available', details);
  }
}

export class SkuNotStocked extends Conflict {
  constructor(sku: string) {
    super('inventory.sku_not_stocked', 'this SKU has never been stocked', { sku });
  }
}

export class OnHandLimitExceeded extends Conflict {
  constructor(details: { sku: string; onHand: number; change: number }) {
    super('inventory.on_hand_limit_exceeded', `on-hand stock cannot exceed ${MAX_ON_HAND}`, details);
  }
}

const quantityGuard = (field: string, value: number, min: number) => {
  if (!Number.isSafeInteger(value) || value < min)
    throw new InvalidInput('inventory.invalid_quantity', `${field} must be an integer >= ${min}`, { [field]: value });
};

const limitGuard = (state: StockState, sku: string, change: number) => {
  if (state.onHand + change > MAX_ON_HAND) throw new OnHandLimitExceeded({ sku, onHand: state.onHand, change });
};

export type SetStockLevel = { sku: string; onHand: number };

/** Sets the counted on-hand stock; refused below what is reserved, a no-op when unchanged. */
export const setLevel = (state: StockState, { sku, onHand }: SetStockLevel): StockEvent[] => {
  quantityGuard('onHand', onHand, 0);
  if (onHand > MAX_ON_HAND) throw new OnHandLimitExceeded({ sku, onHand: state.onHand, change: onHand - state.onHand });
  if (onHand < state.reserved) throw new OnHandBelowReserved({ sku, onHand, reserved: state.reserved });
  if (state.stocked && onHand === state.onHand) return [];
  return [{ type: 'StockLevelSet', data: { sku, onHand, level: { onHand, reserved: state.reserved } } }];
};

export type ReserveSku = { sku: string; orderId: string; quantity: number };

/** Holds `quantity` for an order; reserving again for the same order is a no-op. */
export const reserve = (state: StockState, { sku, orderId, quantity }: ReserveSku): StockEvent[] => {
  quantityGuard('quantity', quantity, 1);
  if (state.reservations[orderId]) return [];
  if (!state.stocked) throw new SkuNotStocked(sku);
  if (available(state) < quantity) throw new InsufficientStock({ sku, requested: quantity, available: available(state) });
  return [
    { type: 'StockReserved', data: { sku, orderId, quantity, level: { onHand: state.onHand, reserved: state.reserved + quantity } } },
  ];
};

/** Gives an order's held stock back; unknown, released or committed reservations are a no-op. */
export const release = (
  state: StockState,
  { sku, orderId, reason }: { sku: string; orderId: string; reason?: ReleaseReason },
): StockEvent[] => {
  const held = state.reservations[orderId];
  if (held?.status !== 'held') return [];
  const level = { onHand: state.onHand, reserved: state.reserved - held.quantity };
  return [{ type: 'StockReleased', data: { sku, orderId, quantity: held.quantity, ...(reason ? { reason } : {}), level } }];
};

/**
 * The order's units leave on-hand and reserved together (available unchanged). A hold that was released (the order
 * layer allows this only for an expired one) is taken again from what is available, or refused (InsufficientStock).
 */
export const commit = (state: StockState, { sku, orderId }: { sku: string; orderId: string }): StockEvent[] => {
  const hold = state.reservations[orderId];
  if (!hold || hold.status === 'committed' || hold.status === 'restocked') return [];
  const { quantity } = hold;
  const wasHeld = hold.status === 'held';
  if (!wasHeld && available(state) < quantity) throw new InsufficientStock({ sku, requested: quantity, available: available(state) });
  const level = { onHand: state.onHand - quantity, reserved: wasHeld ? state.reserved - quantity : state.reserved };
  return [{ type: 'StockCommitted', data: { sku, orderId, quantity, wasHeld, level } }];
};

/** A committed order was cancelled: its units go back on hand, once. */
export const restockCancelled = (state: StockState, { sku, orderId }: { sku: string; orderId: string }): StockEvent[] => {
  const hold = state.reservations[orderId];
  if (hold?.status !== 'committed') return [];
  const level = { onHand: state.onHand + hold.quantity, reserved: state.reserved };
  return [{ type: 'CancelledOrderRestocked', data: { sku, orderId, quantity: hold.quantity, level } }];
};

/** Returned units go back on hand (the return's own stream makes this once per return). */
export type ReceiveReturn = { sku: string; returnId: string; orderId: string; quantity: number };

export const receiveReturn = (state: StockState, cmd: ReceiveReturn): StockEvent[] => {
  quantityGuard('quantity', cmd.quantity, 1);
  const level = { onHand: state.onHand + cmd.quantity, reserved: state.reserved };
  return [{ type: 'StockReturned', data: { ...cmd, level } }];
};

export type Restock = { sku: string; quantity: number; reason: string; note?: string };

/** Received units (a delivery, a transfer…); a SKU never stocked starts with them. */
export const restock = (state: StockState, { sku, quantity, reason, note }: Restock): StockEvent[] => {
  quantityGuard('quantity', quantity, 1);
  limitGuard(state, sku, quantity);
  const level = { onHand: state.onHand + quantity, reserved: state.reserved };
  return [{ type: 'StockRestocked', data: { sku, quantity, reason, ...(note ? { note } : {}), level } }];
};

export type AdjustStock = { sku: string; delta: number; reason: AdjustmentReason; note?: string };

/** Corrects on-hand by `delta` (damaged, lost, found…); never below what is reserved, so available stays >= 0. */
export const adjust = (state: StockState, { sku, delta, reason, note }: AdjustStock): StockEvent[] => {
  if (!Number.isSafeInteger(delta) || delta === 0)
    throw new InvalidInput('inventory.invalid_quantity', 'delta must be a non-zero integer', { delta });
  if (available(state) + delta < 0) throw new InsufficientStock({ sku, requested: -delta, available: available(state) });
  limitGuard(state, sku, delta);
  const level = { onHand: state.onHand + delta, reserved: state.reserved };
  return [{ type: 'StockAdjusted', data: { sku, delta, reason, ...(note ? { note } : {}), level } }];
};

/**
 * Adds StockRanLow when `events` take the SKU's available quantity below `threshold` from at or above it: once per
 * crossing, again only after it was back at or above. A SKU first stocked below the threshold counts as a crossing.
 */
export const flagLowStock = (
  before: StockState,
  events: StockEvent[],
  { sku, threshold }: { sku: string; threshold: number },
): StockEvent[] => {
  if (events.length === 0) return events;
  const after = events.reduce(evolve, before);
  const wasLow = before.stocked && available(before) < threshold;
  if (wasLow || available(after) >= threshold) return events;
  return [...events, { type: 'StockRanLow', data: { sku, available: available(after), threshold } }];
};
