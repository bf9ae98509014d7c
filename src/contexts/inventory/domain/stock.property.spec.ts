import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../shared-kernel/errors';
import {
  adjust,
  available,
  commit,
  evolve,
  flagLowStock,
  initialStockState,
  release,
  reserve,
  restock,
  restockCancelled,
  setLevel,
  type StockEvent,
  type StockState,
} from './stock';

const sku = 'SKU-1';
const THRESHOLD = 4;
const orderIds = fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6');
const command = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), onHand: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ kind: fc.constant('reserve' as const), orderId: orderIds, quantity: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('release' as const), orderId: orderIds }),
  fc.record({ kind: fc.constant('commit' as const), orderId: orderIds }),
  fc.record({ kind: fc.constant('restockCancelled' as const), orderId: orderIds }),
  fc.record({ kind: fc.constant('restock' as const), quantity: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('adjust' as const), delta: fc.integer({ min: -8, max: 8 }).filter((d) => d !== 0) }),
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

const decide = (state: StockState, c: Command): StockEvent[] => {
  switch (c.kind) {
    case 'set':
      return setLevel(state, { sku, onHand: c.onHand });
    case 'reserve':
      return reserve(state, { sku, orderId: c.orderId, quantity: c.quantity });
    case 'release':
      return release(state, { sku, orderId: c.orderId });
    case 'commit':
      return commit(state, { sku, orderId: c.orderId });
    case 'restockCancelled':
      return restockCancelled(state, { sku, orderId: c.orderId });
    case 'restock':
      return restock(state, { sku, quantity: c.quantity, reason: 'delivery' });
    case 'adjust':
      return adjust(state, { sku, delta: c.delta, reason: 'count_correction' });
  }
};

describe('stock under any sequence of commands', () => {
  it('never has negative availability; reserved always equals the held reservations; low stock is reported once per crossing', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        let state: StockState = initialStockState();
        let reportedLow = false;
        for (const c of commands) {
          try {
            const events = flagLowStock(state, decide(state, c), { sku, threshold: THRESHOLD });
            const before = state;
            state = events.reduce(evolve, state);
            const ranLow = events.some((e) => e.type === 'StockRanLow');
            if (before.stocked && available(before) >= THRESHOLD) reportedLow = false;
            if (ranLow) {
              expect(reportedLow).toBe(false);
              reportedLow = true;
            }
            if (available(state) < THRESHOLD && events.length > 0) expect(reportedLow).toBe(true);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
          const held = Object.values(state.reservations)
            .filter((r) => r.status === 'held')
            .reduce((n, r) => n + r.quantity, 0);
          expect(available(state)).toBeGreaterThanOrEqual(0);
          expect(state.reserved).toBe(held);
        }
      }),
      { numRuns: 500 },
    );
  });
});
