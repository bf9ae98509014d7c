import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../shared-kernel/errors';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  adjust,
  commit,
  flagLowStock,
  InsufficientStock,
  MAX_ON_HAND,
  OnHandBelowReserved,
  OnHandLimitExceeded,
  receiveReturn,
  release,
  reserve,
  restock,
  restockCancelled,
  setLevel,
  SkuNotStocked,
  type StockEvent,
  stockDecider,
  type StockState,
} from './stock';

const sku = 'MUG-001';
const given = deciderSpec(stockDecider);
const levelSet = (onHand: number, reserved = 0): StockEvent => ({
  type: 'StockLevelSet',
  data: { sku, onHand, level: { onHand, reserved } },
});
const reserved = (orderId: string, quantity: number, level: { onHand: number; reserved: number }): StockEvent => ({
  type: 'StockReserved',
  data: { sku, orderId, quantity, level },
});
const released = (orderId: string, quantity: number, level: { onHand: number; reserved: number }): StockEvent => ({
  type: 'StockReleased',
  data: { sku, orderId, quantity, level },
});
const committed = (orderId: string, quantity: number, level: { onHand: number; reserved: number }, wasHeld = true): StockEvent => ({
  type: 'StockCommitted',
  data: { sku, orderId, quantity, wasHeld, level },
});
const stateOf = (...events: StockEvent[]): StockState => events.reduce(stockDecider.evolve, stockDecider.initialState());

describe('stock', () => {
  describe('setLevel', () => {
    it('records the first count', () =>
      given([])
        .when((s) => setLevel(s, { sku, onHand: 10 }))
        .then([levelSet(10)]));

    it('keeps what is reserved in the published level', () =>
      given([levelSet(10), reserved('o1', 4, { onHand: 10, reserved: 4 })])
        .when((s) => setLevel(s, { sku, onHand: 6 }))
        .then([levelSet(6, 4)]));

    it('refuses to go below what is reserved', () =>
      given([levelSet(10), reserved('o1', 4, { onHand: 10, reserved: 4 })])
        .when((s) => setLevel(s, { sku, onHand: 3 }))
        .thenThrows(OnHandBelowReserved, 'inventory.on_hand_below_reserved'));

    it('is a no-op when the count is unchanged', () =>
      given([levelSet(10)])
        .when((s) => setLevel(s, { sku, onHand: 10 }))
        .then([]));

    it('can record zero for a new SKU', () =>
      given([])
        .when((s) => setLevel(s, { sku, onHand: 0 }))
        .then([levelSet(0)]));
  });

  describe('reserve', () => {
    it('holds stock for an order', () =>
      given([levelSet(10)])
        .when((s) => reserve(s, { sku, orderId: 'o1', quantity: 3 }))
        .then([reserved('o1', 3, { onHand: 10, reserved: 3 })]));

    it('may take the last unit', () =>
      given([levelSet(3)])
        .when((s) => reserve(s, { sku, orderId: 'o1', quantity: 3 }))
        .then([reserved('o1', 3, { onHand: 3, reserved: 3 })]));

    it('refuses more than is available', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 })])
        .when((s) => reserve(s, { sku, orderId: 'o2', quantity: 3 }))
        .thenThrows(InsufficientStock, 'inventory.insufficient_stock'));

    it('refuses a SKU never stocked', () =>
      given([])
        .when((s) => reserve(s, { sku, orderId: 'o1', quantity: 1 }))
        .thenThrows(SkuNotStocked));

    it('is a no-op for an order that already holds stock', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 })])
        .when((s) => reserve(s, { sku, orderId: 'o1', quantity: 3 }))
        .then([]));

    it('does not reserve again for an order whose reservation was released', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 }), released('o1', 3, { onHand: 5, reserved: 0 })])
        .when((s) => reserve(s, { sku, orderId: 'o1', quantity: 3 }))
        .then([]));
  });

  describe('release', () => {
    it('gives back what the order holds', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 })])
        .when((s) => release(s, { sku, orderId: 'o1' }))
        .then([released('o1', 3, { onHand: 5, reserved: 0 })]));

    it('is a no-op for an unknown order', () =>
      given([levelSet(5)])
        .when((s) => release(s, { sku, orderId: 'o9' }))
        .then([]));

    it('is a no-op when already released', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 }), released('o1', 3, { onHand: 5, reserved: 0 })])
        .when((s) => release(s, { sku, orderId: 'o1' }))
        .then([]));
  });

  it('folds to the levels the events carry', () =>
    given([
      levelSet(5),
      reserved('o1', 3, { onHand: 5, reserved: 3 }),
      reserved('o2', 1, { onHand: 5, reserved: 4 }),
      released('o1', 3, { onHand: 5, reserved: 1 }),
    ]).thenState({
      stocked: true,
      onHand: 5,
      reserved: 1,
      reservations: { o1: { quantity: 3, status: 'released' }, o2: { quantity: 1, status: 'held' } },
    }));

  describe('release', () => {
    it('records why the hold was given back', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 })])
        .when((s) => release(s, { sku, orderId: 'o1', reason: 'expired' }))
        .then([
          { type: 'StockReleased', data: { sku, orderId: 'o1', quantity: 3, reason: 'expired', level: { onHand: 5, reserved: 0 } } },
        ]));

    it('leaves committed units alone', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 }), committed('o1', 3, { onHand: 2, reserved: 0 })])
        .when((s) => release(s, { sku, orderId: 'o1' }))
        .then([]));
  });

  describe('commit', () => {
    it('takes held units out of on-hand and reserved together: available is unchanged', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 })])
        .when((s) => commit(s, { sku, orderId: 'o1' }))
        .then([committed('o1', 3, { onHand: 2, reserved: 0 })]));

    it('commits once', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 }), committed('o1', 3, { onHand: 2, reserved: 0 })])
        .when((s) => commit(s, { sku, orderId: 'o1' }))
        .then([]));

    it('takes a released hold again from what is available', () =>
      given([levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 }), released('o1', 3, { onHand: 5, reserved: 0 })])
        .when((s) => commit(s, { sku, orderId: 'o1' }))
        .then([committed('o1', 3, { onHand: 2, reserved: 0 }, false)]));

    it('refuses to take a released hold again when the units are gone', () =>
      given([
        levelSet(5),
        reserved('o1', 3, { onHand: 5, reserved: 3 }),
        released('o1', 3, { onHand: 5, reserved: 0 }),
        reserved('o2', 4, { onHand: 5, reserved: 4 }),
      ])
        .when((s) => commit(s, { sku, orderId: 'o1' }))
        .thenThrows(InsufficientStock, 'inventory.insufficient_stock'));

    it('does nothing for an order that holds nothing here', () =>
      given([levelSet(5)])
        .when((s) => commit(s, { sku, orderId: 'o1' }))
        .then([]));
  });

  describe('restockCancelled', () => {
    const sold = [levelSet(5), reserved('o1', 3, { onHand: 5, reserved: 3 }), committed('o1', 3, { onHand: 2, reserved: 0 })];

    it("puts a cancelled order's committed units back on hand", () =>
      given(sold)
        .when((s) => restockCancelled(s, { sku, orderId: 'o1' }))
        .then([{ type: 'CancelledOrderRestocked', data: { sku, orderId: 'o1', quantity: 3, level: { onHand: 5, reserved: 0 } } }]));

    it('restocks once, and never what was only held', () => {
      const restocked = stateOf(...sold, ...restockCancelled(stateOf(...sold), { sku, orderId: 'o1' }));
      expect(restockCancelled(restocked, { sku, orderId: 'o1' })).toEqual([]);
      expect(restockCancelled(stateOf(levelSet(5), reserved('o2', 1, { onHand: 5, reserved: 1 })), { sku, orderId: 'o2' })).toEqual([]);
    });
  });

  describe('movements staff record', () => {
    it('restocks with a reason; a SKU never stocked starts with the units', () =>
      given([])
        .when((s) => restock(s, { sku, quantity: 12, reason: 'supplier_delivery', note: 'PO-7' }))
        .then([
          {
            type: 'StockRestocked',
            data: { sku, quantity: 12, reason: 'supplier_delivery', note: 'PO-7', level: { onHand: 12, reserved: 0 } },
          },
        ]));

    it('refuses a restock of nothing and one past the limit', () => {
      expect(() => restock(stateOf(levelSet(5)), { sku, quantity: 0, reason: 'x' })).toThrow(InvalidInput);
      expect(() => restock(stateOf(levelSet(MAX_ON_HAND)), { sku, quantity: 1, reason: 'x' })).toThrow(OnHandLimitExceeded);
    });

    it('adjusts on-hand down as far as what is available', () =>
      given([levelSet(10), reserved('o1', 4, { onHand: 10, reserved: 4 })])
        .when((s) => adjust(s, { sku, delta: -6, reason: 'damaged', note: 'dropped pallet' }))
        .then([
          { type: 'StockAdjusted', data: { sku, delta: -6, reason: 'damaged', note: 'dropped pallet', level: { onHand: 4, reserved: 4 } } },
        ]));

    it('refuses an adjustment that would make available negative, and a zero delta', () => {
      const state = stateOf(levelSet(10), reserved('o1', 4, { onHand: 10, reserved: 4 }));
      expect(() => adjust(state, { sku, delta: -7, reason: 'lost' })).toThrow(InsufficientStock);
      expect(() => adjust(state, { sku, delta: 0, reason: 'other' })).toThrow(InvalidInput);
      expect(adjust(state, { sku, delta: 2, reason: 'found' })).toMatchObject([{ data: { level: { onHand: 12, reserved: 4 } } }]);
    });

    it('puts returned units back on hand', () =>
      given([levelSet(2)])
        .when((s) => receiveReturn(s, { sku, returnId: 'r1', orderId: 'o1', quantity: 2 }))
        .then([{ type: 'StockReturned', data: { sku, returnId: 'r1', orderId: 'o1', quantity: 2, level: { onHand: 4, reserved: 0 } } }]));
  });

  describe('flagLowStock (threshold 5)', () => {
    const flag = (before: StockState, events: StockEvent[]) => flagLowStock(before, events, { sku, threshold: 5 });
    const ranLow = (available: number): StockEvent => ({ type: 'StockRanLow', data: { sku, available, threshold: 5 } });

    it('adds StockRanLow when available falls below the threshold', () => {
      const before = stateOf(levelSet(6));
      const events = reserve(before, { sku, orderId: 'o1', quantity: 2 });
      expect(flag(before, events)).toEqual([...events, ranLow(4)]);
    });

    it('reports a crossing once: not again while it stays below', () => {
      const before = stateOf(levelSet(6), reserved('o1', 2, { onHand: 6, reserved: 2 }));
      const events = reserve(before, { sku, orderId: 'o2', quantity: 1 });
      expect(flag(before, events)).toEqual(events);
    });

    it('reports again after available went back to the threshold', () => {
      const low = stateOf(levelSet(6), reserved('o1', 2, { onHand: 6, reserved: 2 }));
      const back = stateOf(levelSet(6), reserved('o1', 2, { onHand: 6, reserved: 2 }), released('o1', 2, { onHand: 6, reserved: 0 }));
      expect(flag(low, release(low, { sku, orderId: 'o1' }))).toHaveLength(1);
      const events = adjust(back, { sku, delta: -2, reason: 'damaged' });
      expect(flag(back, events)).toEqual([...events, ranLow(4)]);
    });

    it('counts a SKU first stocked below the threshold; not exactly at it; and never without a change', () => {
      expect(flag(stateOf(), setLevel(stateOf(), { sku, onHand: 3 }))).toContainEqual(ranLow(3));
      expect(flag(stateOf(levelSet(9)), setLevel(stateOf(levelSet(9)), { sku, onHand: 5 }))).toHaveLength(1);
      expect(flag(stateOf(levelSet(9)), [])).toEqual([]);
    });

    it('leaves a commit alone: available does not change', () => {
      const before = stateOf(levelSet(6), reserved('o1', 2, { onHand: 6, reserved: 2 }));
      expect(flag(before, commit(before, { sku, orderId: 'o1' }))).toHaveLength(1);
    });
  });
});
