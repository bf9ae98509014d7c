import { Conflict, InvalidInput } from '../../../shared-kernel/errors';

/**
 * Stock of one SKU (stream `inventory.stock-<sku>`). Every event carries the levels after it, so the
 * published `inventory.stock-level-changed.v1` needs no lookup. Invariant: 0 <= reserved <= onHand.
 */
export type StockLevel = { onHand: number; reserved: number };

export type StockEvent =
  | { type: 'StockLevelSet'; data: { sku: string; onHand: number; level: StockLevel } }
  | { type: 'StockReserved'; data: { sku: string; orderId: string; quantity: number; level: StockLevel } }
  | { type: 'StockReleased'; data: { sku: string; orderId: string; quantity: number; level: StockLevel } };

export type StockReservation = { quantity: number; released: boolean };

export type StockState = {
  stocked: boolean;
  onHand: number;
  reserved: number;
  /** by orderId; a released reservation stays, so a late duplicate cannot reserve again */
  reservations: Record<string, StockReservation>;
};

export const initialStockState = (): StockState => ({ stocked: false, onHand: 0, reserved: 0, reservations: {} });

export const evolve = (state: StockState, event: StockEvent): StockState => {
  switch (event.type) {
    case 'StockLevelSet':
      return { ...state, stocked: true, onHand: event.data.onHand };
    case 'StockReserved':
      return {
        ...state,
        reserved: state.reserved + event.data.quantity,
        reservations: { ...state.reservations, [event.data.orderId]: { quantity: event.data.quantity, released: false } },
      };
    case 'StockReleased':
      return {
        ...state,
        reserved: state.reserved - event.data.quantity,
        reservations: { ...state.reservations, [event.data.orderId]: { quantity: event.data.quantity, released: true } },
      };
  }
};

export const stockDecider = { initialState: initialStockState, evolve };

export const available = (state: Pick<StockState, 'onHand' | 'reserved'>): number => state.onHand - state.reserved;

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

const quantityGuard = (field: string, value: number, min: number) => {
  if (!Number.isSafeInteger(value) || value < min)
    throw new InvalidInput('inventory.invalid_quantity', `${field} must be an integer >= ${min}`, { [field]: value });
};

export type SetStockLevel = { sku: string; onHand: number };

/** Sets the counted on-hand stock; refused below what is reserved, a no-op when unchanged. */
export const setLevel = (state: StockState, { sku, onHand }: SetStockLevel): StockEvent[] => {
  quantityGuard('onHand', onHand, 0);
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

/** Gives an order's held stock back; unknown or already released reservations are a no-op. */
export const release = (state: StockState, { sku, orderId }: { sku: string; orderId: string }): StockEvent[] => {
  const held = state.reservations[orderId];
  if (!held || held.released) return [];
  const level = { onHand: state.onHand, reserved: state.reserved - held.quantity };
  return [{ type: 'StockReleased', data: { sku, orderId, quantity: held.quantity, level } }];
};
