import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../shared-kernel/errors';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { normalizeLines, releaseForOrder, type ReservationEvent, reservationDecider, reserveForOrder } from './reservation';
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
    for (const state of [reservationDecider.evolve({ status: 'none' }, confirmed), { status: 'released' as const, lines: [] }]) {
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
      { sku: 'A', events: [{ type: 'StockReleased', data: { sku: 'A', orderId, quantity: 2, level: { onHand: 5, reserved: 0 } } }] },
    ]);
    expect(decision.outcome).toEqual([{ type: 'StockReservationReleased', data: { orderId, lines: [{ sku: 'A', quantity: 2 }] } }]);
  });

  it('records a release that arrives first, so the late reservation is a no-op', () =>
    given([])
      .when((s) => releaseForOrder(s, stocks({}), { orderId }).outcome)
      .then([{ type: 'StockReservationReleased', data: { orderId, lines: [] } }]));

  it('releases only once', () =>
    given([confirmed, { type: 'StockReservationReleased', data: { orderId, lines: [{ sku: 'A', quantity: 2 }] } }])
      .when((s) => releaseForOrder(s, stocks({}), { orderId }).outcome)
      .then([]));
});
