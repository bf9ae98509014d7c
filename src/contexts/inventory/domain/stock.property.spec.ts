import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../shared-kernel/errors';
import { available, evolve, initialStockState, release, reserve, setLevel, type StockState } from './stock';

const sku = 'SKU-1';
const orderIds = fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6');
const command = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), onHand: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ kind: fc.constant('reserve' as const), orderId: orderIds, quantity: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('release' as const), orderId: orderIds }),
);

describe('stock under any sequence of commands', () => {
  it('never has negative availability, and reserved always equals the open reservations', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        let state: StockState = initialStockState();
        for (const c of commands) {
          try {
            const events =
              c.kind === 'set'
                ? setLevel(state, { sku, onHand: c.onHand })
                : c.kind === 'reserve'
                  ? reserve(state, { sku, ...c })
                  : release(state, { sku, ...c });
            state = events.reduce(evolve, state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
          const open = Object.values(state.reservations)
            .filter((r) => !r.released)
            .reduce((n, r) => n + r.quantity, 0);
          expect(available(state)).toBeGreaterThanOrEqual(0);
          expect(state.reserved).toBe(open);
        }
      }),
      { numRuns: 500 },
    );
  });
});
