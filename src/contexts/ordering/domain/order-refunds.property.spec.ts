import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../shared-kernel/errors';
import { orderDecider, refundable, refundedTotal, type ActiveOrder, type Order, type OrderEvent } from './order';
import { cancel } from './order-cancellation';
import { recordRefund, rejectRefund, requestRefund } from './order-refunds';

const orderId = 'order-1';
const now = new Date('2026-03-01T10:00:00Z');
const total = { amount: 5000, currency: 'EUR' };
const lines = [{ sku: 'A', name: 'A', quantity: 5, unitPrice: { amount: 1000, currency: 'EUR' } }];
const paid: OrderEvent[] = [
  {
    type: 'OrderPlaced',
    data: {
      orderId,
      customerId: 'c',
      cartId: 'c',
      lines,
      charges: [],
      total,
      shippingAddress: { name: 'A', line1: 'B', city: 'C', postalCode: 'D', country: 'GB' },
      placedAt: now.toISOString(),
    },
  },
  { type: 'OrderConfirmed', data: { orderId, customerId: 'c', total, lines, confirmedAt: now.toISOString() } },
];

type Step = { kind: 'ask'; amount: number } | { kind: 'refunded'; pick: number } | { kind: 'rejected'; pick: number } | { kind: 'cancel' };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('ask' as const), amount: fc.integer({ min: -10, max: 6000 }) }),
  fc.record({ kind: fc.constant('refunded' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('rejected' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('cancel' as const) }),
);

/** Applies a decision to the state, as the event store would: a refused decision changes nothing. */
const apply = (state: Order, decision: (s: Order) => OrderEvent[]): Order => {
  try {
    return decision(state).reduce(orderDecider.evolve, state);
  } catch (error) {
    if (error instanceof DomainError) return state;
    throw error;
  }
};

describe('order refunds (property)', () => {
  it('whatever is asked, answered twice or rejected, refunds never exceed the capture; refunded means all of it went back', () =>
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let state = paid.reduce(orderDecider.evolve, orderDecider.initialState());
        let n = 0;
        for (const s of steps) {
          const ids = Object.keys((state as ActiveOrder).refunds);
          const picked = ids[('pick' in s ? s.pick : 0) % Math.max(ids.length, 1)] ?? 'none';
          if (s.kind === 'ask') {
            const refundId = `r-${++n}`;
            state = apply(state, (o) => requestRefund(o, { orderId, refundId, amount: s.amount, reason: 'goodwill', now }));
          } else if (s.kind === 'refunded') state = apply(state, (o) => recordRefund(o, { orderId, refundId: picked, now }));
          else if (s.kind === 'rejected')
            state = apply(state, (o) => rejectRefund(o, { orderId, refundId: picked, reason: 'provider_refused', now }));
          else state = apply(state, (o) => cancel(o, { orderId, reason: 'cancelled_by_staff', by: 'staff', refundId: `r-${++n}`, now }));
          const order = state as ActiveOrder;
          expect(refundable(order)).toBeGreaterThanOrEqual(0);
          expect(refundedTotal(order)).toBeLessThanOrEqual(total.amount);
          expect(order.status === 'refunded').toBe(refundedTotal(order) === total.amount);
        }
      }),
    ));
});
