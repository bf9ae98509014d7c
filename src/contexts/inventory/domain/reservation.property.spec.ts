import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { releaseForOrder, type ReservationDecision, reservationDecider, type ReservationState, reserveForOrder } from './reservation';
import { available, evolve, initialStockState, setLevel, type StockState } from './stock';

const SKUS = ['A', 'B', 'C'];
const orders = fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5');
const command = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), sku: fc.constantFrom(...SKUS), onHand: fc.integer({ min: 0, max: 10 }) }),
  fc.record({
    kind: fc.constant('reserve' as const),
    orderId: orders,
    lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('release' as const), orderId: orders }),
);

describe('order reservations under any interleaving of set / reserve / release', () => {
  it('keep every SKU at available >= 0 and reserved = what confirmed, unreleased orders hold', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 50 }), (commands) => {
        const stocks = new Map<string, StockState>(SKUS.map((sku) => [sku, initialStockState()]));
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
            apply(c.orderId, releaseForOrder(reservations.get(c.orderId) ?? { status: 'none' }, stocks, c));
          }
          for (const sku of SKUS) {
            const stock = stocks.get(sku)!;
            const held = [...reservations.values()]
              .flatMap((r) => (r.status === 'confirmed' ? r.lines : []))
              .filter((line) => line.sku === sku)
              .reduce((n, line) => n + line.quantity, 0);
            expect(available(stock)).toBeGreaterThanOrEqual(0);
            expect(stock.reserved).toBe(held);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
