import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../shared-kernel/errors';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  cancelForOrder,
  commitForOrder,
  expireReservation,
  normalizeLines,
  type ReservationDecision,
  releaseForOrder,
  type ReservationEvent,
  reservationDecider,
  type ReservationState,
  reserveForOrder,
} from './reservation';
import { restockReturn, returnDecider } from './return-restock';
import { evolve, initialStockState, type StockEvent, type StockState } from './stock';

const orderId = 'order-1';
const stocked = (onHand: number, ...events: StockEvent[]): StockState =>
  events.reduce(evolve, evolve(initialStockState(), { type: 'StockLevelSet', data: { sku: 'x', onHand, level: { onHand, reserved: 0 } } }));
const stocks = (entries: Record<string, StockState>) => new Map(Object.entries(entries));
const confirmed: ReservationEvent = { type: 'StockReservationConfirmed', data: { orderId, lines: [{ sku: 'A', quantity: 2 }] } };
const given = deciderSpec(reservationDecider);

describe('reservation of an order', () => {
  it('reserves every line in SKU order, summing repeated SKUs', () => {
    const decision = reserveForOrder({ status: 'none' }, stocks({ A: stocked(5), B: stocked(5) }), {
      orderId,
      lines: [
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 2 },
      ],
    });
    expect(decision.stock.map(({ sku, events }) => [sku, events.map((e) => e.type === 'StockReserved' && e.data.quantity)])).toEqual([
      ['A', [2]],
      ['B', [3]],
    ]);
    expect(decision.outcome).toEqual([
      {
        type: 'StockReservationConfirmed',
        data: {
          orderId,
          lines: [
            { sku: 'A', quantity: 2 },
            { sku: 'B', quantity: 3 },
          ],
        },
      },
    ]);
  });

  it('reserves nothing when one SKU is short, naming it', () => {
    const decision = reserveForOrder({ status: 'none' }, stocks({ A: stocked(5), B: stocked(1) }), {
      orderId,
      lines: [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
      ],
    });
    expect(decision.stock).toEqual([]);
    expect(decision.outcome).toEqual([
      { type: 'StockReservationRejected', data: { orderId, reason: 'insufficient_stock', sku: 'B', requested: 2, available: 1 } },
    ]);
  });

  it('rejects a SKU that was never stocked', () => {
    const decision = reserveForOrder({ status: 'none' }, stocks({}), { orderId, lines: [{ sku: 'Z', quantity: 1 }] });
    expect(decision.outcome[0]).toMatchObject({ type: 'StockReservationRejected', data: { reason: 'sku_not_stocked', sku: 'Z' } });
  });

  it('does nothing for an order already decided', () => {
    const released: ReservationState = { status: 'released', lines: [], reason: 'requested' };
    for (const state of [reservationDecider.evolve({ status: 'none' }, confirmed), released]) {
      expect(reserveForOrder(state, stocks({ A: stocked(5) }), { orderId, lines: [{ sku: 'A', quantity: 1 }] })).toEqual({
        stock: [],
        outcome: [],
      });
    }
  });

  it('refuses empty lines and non-positive quantities', () => {
    expect(() => normalizeLines([])).toThrow(InvalidInput);
    expect(() => normalizeLines([{ sku: 'A', quantity: 0 }])).toThrow(InvalidInput);
  });

  it('releases what a confirmed reservation holds', () => {
    const a = stocked(5, { type: 'StockReserved', data: { sku: 'A', orderId, quantity: 2, level: { onHand: 5, reserved: 2 } } });
    const decision = releaseForOrder(reservationDecider.evolve({ status: 'none' }, confirmed), stocks({ A: a }), { orderId });
    expect(decision.stock).toEqual([
      {
        sku: 'A',
        events: [
          { type: 'StockReleased', data: { sku: 'A', orderId, quantity: 2, reason: 'requested', level: { onHand: 5, reserved: 0 } } },
        ],
      },
    ]);
    expect(decision.outcome).toEqual([
      { type: 'StockReservationReleased', data: { orderId, lines: [{ sku: 'A', quantity: 2 }], reason: 'requested' } },
    ]);
  });

  it('records a release that arrives first, so the late reservation is a no-op', () =>
    given([])
      .when((s) => releaseForOrder(s, stocks({}), { orderId }).outcome)
      .then([{ type: 'StockReservationReleased', data: { orderId, lines: [], reason: 'requested' } }]));

  it('releases only once', () =>
    given([confirmed, { type: 'StockReservationReleased', data: { orderId, lines: [{ sku: 'A', quantity: 2 }] } }])
      .when((s) => releaseForOrder(s, stocks({}), { orderId }).outcome)
      .then([]));
});

/** A's stock after the order holds 2 of 5, then each further event of the order's life. */
const heldA = stocked(5, { type: 'StockReserved', data: { sku: 'A', orderId, quantity: 2, level: { onHand: 5, reserved: 2 } } });
const fold = (state: ReservationState, stock: StockState, decision: ReservationDecision) => ({
  reservation: decision.outcome.reduce(reservationDecider.evolve, state),
  stock: decision.stock.flatMap((s) => s.events).reduce(evolve, stock),
});
const held = reservationDecider.evolve({ status: 'none' }, confirmed);
const expired = fold(held, heldA, expireReservation(held, stocks({ A: heldA }), { orderId }));
const committed = fold(held, heldA, commitForOrder(held, stocks({ A: heldA }), { orderId }));

describe('expiry of a hold', () => {
  it('releases a hold still held, with reason expired', () => {
    expect(expired.reservation).toEqual({ status: 'released', lines: [{ sku: 'A', quantity: 2 }], reason: 'expired' });
    expect(expired.stock).toMatchObject({ onHand: 5, reserved: 0, reservations: { [orderId]: { status: 'released' } } });
  });

  it('leaves committed, released, rejected and unknown orders alone', () => {
    const released: ReservationState = { status: 'released', lines: [{ sku: 'A', quantity: 2 }], reason: 'requested' };
    const rejected: ReservationState = { status: 'rejected', reason: 'insufficient_stock', sku: 'A' };
    for (const state of [committed.reservation, released, rejected, { status: 'none' } as const])
      expect(expireReservation(state, stocks({ A: heldA }), { orderId })).toEqual({ stock: [], outcome: [] });
  });
});

describe('commit of a confirmed order', () => {
  it('takes the held units out of on-hand and reserved together', () => {
    expect(committed.reservation).toEqual({ status: 'committed', lines: [{ sku: 'A', quantity: 2 }] });
    expect(committed.stock).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('commits once', () =>
    expect(commitForOrder(committed.reservation, stocks({ A: committed.stock }), { orderId })).toEqual({ stock: [], outcome: [] }));

  it('takes an expired hold again when the units are still there', () => {
    const again = fold(expired.reservation, expired.stock, commitForOrder(expired.reservation, stocks({ A: expired.stock }), { orderId }));
    expect(again.reservation.status).toBe('committed');
    expect(again.stock).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('records the order short of stock when the expired units were sold meanwhile, and takes nothing', () => {
    const soldOut = evolve(expired.stock, {
      type: 'StockReserved',
      data: { sku: 'A', orderId: 'other', quantity: 4, level: { onHand: 5, reserved: 4 } },
    });
    const decision = commitForOrder(expired.reservation, stocks({ A: soldOut }), { orderId });
    expect(decision).toEqual({
      stock: [],
      outcome: [
        {
          type: 'ConfirmedOrderShortOfStock',
          data: { orderId, lines: [{ sku: 'A', quantity: 2 }], sku: 'A', requested: 2, available: 1 },
        },
      ],
    });
  });

  it('does not take stock for an order released on request or on its cancellation', () => {
    for (const reason of ['requested', 'order_cancelled'] as const) {
      const released: ReservationState = { status: 'released', lines: [{ sku: 'A', quantity: 2 }], reason };
      expect(commitForOrder(released, stocks({ A: expired.stock }), { orderId })).toEqual({ stock: [], outcome: [] });
    }
  });
});

describe('cancellation of an order', () => {
  it('releases stock still held, with reason order_cancelled', () => {
    const cancelled = fold(held, heldA, cancelForOrder(held, stocks({ A: heldA }), { orderId }));
    expect(cancelled.reservation).toMatchObject({ status: 'released', reason: 'order_cancelled' });
    expect(cancelled.stock).toMatchObject({ onHand: 5, reserved: 0 });
  });

  it("puts a confirmed order's committed units back on hand, once", () => {
    const cancelled = fold(
      committed.reservation,
      committed.stock,
      cancelForOrder(committed.reservation, stocks({ A: committed.stock }), { orderId }),
    );
    expect(cancelled.reservation).toEqual({ status: 'restocked', lines: [{ sku: 'A', quantity: 2 }] });
    expect(cancelled.stock).toMatchObject({ onHand: 5, reserved: 0 });
    expect(cancelForOrder(cancelled.reservation, stocks({ A: cancelled.stock }), { orderId })).toEqual({ stock: [], outcome: [] });
  });

  it('closes an expired hold, so a confirmation arriving after the cancellation takes nothing', () => {
    const closed = fold(expired.reservation, expired.stock, cancelForOrder(expired.reservation, stocks({ A: expired.stock }), { orderId }));
    expect(closed.reservation).toEqual({ status: 'closed' });
    expect(commitForOrder(closed.reservation, stocks({ A: closed.stock }), { orderId })).toEqual({ stock: [], outcome: [] });
  });

  it('records a cancellation before any reservation, so a late reservation holds nothing', () => {
    const cancelled = cancelForOrder({ status: 'none' }, stocks({}), { orderId });
    expect(cancelled.outcome).toEqual([{ type: 'StockReservationReleased', data: { orderId, lines: [], reason: 'order_cancelled' } }]);
    const state = cancelled.outcome.reduce(reservationDecider.evolve, { status: 'none' } as ReservationState);
    expect(reserveForOrder(state, stocks({ A: stocked(5) }), { orderId, lines: [{ sku: 'A', quantity: 1 }] }).outcome).toEqual([]);
  });

  it("composes with the checkout's release in either order: the second does nothing", () => {
    const released = fold(held, heldA, releaseForOrder(held, stocks({ A: heldA }), { orderId }));
    expect(cancelForOrder(released.reservation, stocks({ A: released.stock }), { orderId })).toEqual({ stock: [], outcome: [] });
    const cancelled = fold(held, heldA, cancelForOrder(held, stocks({ A: heldA }), { orderId }));
    expect(releaseForOrder(cancelled.reservation, stocks({ A: cancelled.stock }), { orderId })).toEqual({ stock: [], outcome: [] });
  });

  it('never releases committed stock on a late release command', () =>
    expect(releaseForOrder(committed.reservation, stocks({ A: committed.stock }), { orderId })).toEqual({ stock: [], outcome: [] }));
});

describe('restock of an approved return', () => {
  it('puts every line back on hand once per return', () => {
    const decision = restockReturn(returnDecider.initialState(), stocks({ A: stocked(1) }), {
      returnId: 'r1',
      orderId,
      lines: [
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
      ],
    });
    expect(decision.stock.map(({ sku, events }) => [sku, events.map((e) => e.type === 'StockReturned' && e.data.level.onHand)])).toEqual([
      ['A', [3]],
      ['B', [1]],
    ]);
    const state = decision.outcome.reduce(returnDecider.evolve, returnDecider.initialState());
    expect(restockReturn(state, stocks({}), { returnId: 'r1', orderId, lines: [{ sku: 'A', quantity: 2 }] })).toEqual({
      stock: [],
      outcome: [],
    });
  });
});
