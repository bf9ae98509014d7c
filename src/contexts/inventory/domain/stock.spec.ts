import { describe, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { InsufficientStock, OnHandBelowReserved, release, reserve, setLevel, SkuNotStocked, type StockEvent, stockDecider } from './stock';

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
      reservations: { o1: { quantity: 3, released: true }, o2: { quantity: 1, released: false } },
    }));
});
