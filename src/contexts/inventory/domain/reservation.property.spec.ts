import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cancelForOrder,
  commitForOrder,
  expireReservation,
  releaseForOrder,
  type ReservationDecision,
  reservationDecider,
  type ReservationState,
  reserveForOrder,
} from './reservation';
import { available, evolve, initialStockState, setLevel, type StockState } from './stock';

const SKUS = ['A', 'B', 'C'];
const orders = fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5');
const lifecycle = [
  fc.record({
    kind: fc.constant('reserve' as const),
    orderId: orders,
    lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constantFrom('release' as const, 'expire' as const, 'commit' as const, 'cancel' as const), orderId: orders }),
];
const set = fc.record({ kind: fc.constant('set' as const), sku: fc.constantFrom(...SKUS), onHand: fc.integer({ min: 0, max: 10 }) });
const DECISIONS = { release: releaseForOrder, expire: expireReservation, commit: commitForOrder, cancel: cancelForOrder };

type Command =
  | { kind: 'set'; sku: string; onHand: number }
  | { kind: 'reserve'; orderId: string; lines: { sku: string; quantity: number }[] }
  | { kind: keyof typeof DECISIONS; orderId: string };

/** Runs commands through the deciders as the handlers do, calling `check` after each one. */
const run = (
  initial: number,
  commands: Command[],
  check: (stocks: Map<string, StockState>, orders: Map<string, ReservationState>) => void,
) => {
  const stocks = new Map<string, StockState>(
    SKUS.map((sku) => [sku, evolve(initialStockState(), setLevel(initialStockState(), { sku, onHand: initial })[0])]),
  );
  const reservations = new Map<string, ReservationState>();
  const apply = (orderId: string, decision: ReservationDecision) => {
    for (const { sku, events } of decision.stock) stocks.set(sku, events.reduce(evolve, stocks.get(sku)!));
    reservations.set(orderId, decision.outcome.reduce(reservationDecider.evolve, reservations.get(orderId) ?? { status: 'none' }));
  };
  for (const c of commands) {
    if (c.kind === 'set') {
      try {
        stocks.set(c.sku, setLevel(stocks.get(c.sku)!, c).reduce(evolve, stocks.get(c.sku)!));
      } catch {
        // refused below reserved: nothing changes
      }
    } else if (c.kind === 'reserve') {
      apply(c.orderId, reserveForOrder(reservations.get(c.orderId) ?? { status: 'none' }, stocks, c));
    } else {
      apply(c.orderId, DECISIONS[c.kind](reservations.get(c.orderId) ?? { status: 'none' }, stocks, c));
    }
    check(stocks, reservations);
  }
};

const unitsOf = (orders: Map<string, ReservationState>, status: ReservationState['status'], sku: string) =>
  [...orders.values()]
    .flatMap((r) => (r.status === status && 'lines' in r ? r.lines : []))
    .filter((line) => line.sku === sku)
    .reduce((n, line) => n + line.quantity, 0);

describe('order stock under any interleaving of set / reserve / release / expire / commit / cancel', () => {
  it('keeps every SKU at available >= 0 and reserved = what held orders hold (R1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.array(fc.oneof(set, ...lifecycle), { maxLength: 60 }), (initial, commands) =>
        run(initial, commands, (stocks, orders) => {
          for (const sku of SKUS) {
            expect(available(stocks.get(sku)!)).toBeGreaterThanOrEqual(0);
            expect(stocks.get(sku)!.reserved).toBe(unitsOf(orders, 'confirmed', sku));
          }
        }),
      ),
      { numRuns: 300 },
    );
  });

  it('conserves units: on-hand is the count minus what committed orders took, never taken or put back twice', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.array(fc.oneof(...lifecycle), { maxLength: 60 }), (initial, commands) =>
        run(initial, commands, (stocks, orders) => {
          for (const sku of SKUS) expect(stocks.get(sku)!.onHand).toBe(initial - unitsOf(orders, 'committed', sku));
        }),
      ),
      { numRuns: 300 },
    );
  });
});
