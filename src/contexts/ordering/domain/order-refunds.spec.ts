import { describe, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { orderDecider, OrderNotFound, type OrderEvent } from './order';
import type { RefundReason } from './order-lifecycle.events';
import { OrderNotRefundable, recordRefund, RefundExceedsCaptured, rejectRefund, requestRefund } from './order-refunds';

const given = deciderSpec(orderDecider);
const now = new Date('2026-03-01T10:00:00Z');
const at = now.toISOString();
const orderId = '0190f000-0000-7000-8000-000000000001';
const customerId = 'customer-1';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const lines = [{ sku: 'MUG-1', name: 'Mug', quantity: 4, unitPrice: eur(1000) }];
const total = eur(4000);

const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId,
    cartId: customerId,
    lines,
    charges: [],
    total,
    shippingAddress: { name: 'A', line1: 'B', city: 'C', postalCode: 'D', country: 'GB' },
    placedAt: at,
  },
};
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, customerId, total, lines, confirmedAt: at } };
const paid = [placed, confirmed];
const requested = (refundId: string, amount: number, reason: RefundReason = 'goodwill', note?: string): OrderEvent => ({
  type: 'RefundRequested',
  data: { orderId, customerId, refundId, amount: eur(amount), reason, ...(note ? { note } : {}), requestedAt: at },
});
const refunded = (refundId: string, amount: number, totalRefunded: number, reason: RefundReason = 'goodwill'): OrderEvent => ({
  type: 'OrderRefunded',
  data: {
    orderId,
    customerId,
    refundId,
    amount: eur(amount),
    totalRefunded: eur(totalRefunded),
    reason,
    fullyRefunded: totalRefunded === total.amount,
    refundedAt: at,
  },
});
const rejected = (refundId: string): OrderEvent => ({
  type: 'RefundRejected',
  data: { orderId, refundId, reason: 'exceeds_captured', rejectedAt: at },
});
const ask = (refundId: string, amount: number) => ({ orderId, refundId, amount, reason: 'goodwill' as const, now });

describe('order refunds', () => {
  describe('requestRefund', () => {
    it('asks for part of the capture, in the order currency', () =>
      given(paid)
        .when((s) => requestRefund(s, { ...ask('r-1', 1500), note: 'scratched' }))
        .then([requested('r-1', 1500, 'goodwill', 'scratched')]));
    it('never more than captured minus what was already asked (pending refunds count)', () => {
      given([...paid, requested('r-1', 3000)])
        .when((s) => requestRefund(s, ask('r-2', 1001)))
        .thenThrows(RefundExceedsCaptured, 'ordering.refund_exceeds_captured');
      given([...paid, requested('r-1', 3000)])
        .when((s) => requestRefund(s, ask('r-2', 1000)))
        .then([requested('r-2', 1000)]);
    });
    it('a rejected refund frees its amount', () =>
      given([...paid, requested('r-1', 4000), rejected('r-1')])
        .when((s) => requestRefund(s, ask('r-2', 4000)))
        .then([requested('r-2', 4000)]));
    it('repeating one refund is a no-op', () =>
      given([...paid, requested('r-1', 4000)])
        .when((s) => requestRefund(s, ask('r-1', 4000)))
        .then([]));
    it('refuses an order that was never paid, or is fully refunded', () => {
      given([placed])
        .when((s) => requestRefund(s, ask('r-1', 100)))
        .thenThrows(OrderNotRefundable, 'ordering.order_not_refundable');
      given([...paid, requested('r-1', 4000), refunded('r-1', 4000, 4000)])
        .when((s) => requestRefund(s, ask('r-2', 1)))
        .thenThrows(OrderNotRefundable);
      given([])
        .when((s) => requestRefund(s, ask('r-1', 100)))
        .thenThrows(OrderNotFound);
    });
  });

  describe('recordRefund', () => {
    it('records the refund with the running total; the order stays as it was while money is left', () => {
      given([...paid, requested('r-1', 1000)])
        .when((s) => recordRefund(s, { orderId, refundId: 'r-1', now }))
        .then([refunded('r-1', 1000, 1000)]);
      given([...paid, requested('r-1', 1000), refunded('r-1', 1000, 1000)]).thenState({
        status: 'confirmed',
        customerId,
        lines,
        charges: [],
        total,
        captured: 4000,
        refunds: { 'r-1': { amount: 1000, reason: 'goodwill', status: 'completed' } },
        returns: {},
      });
    });
    it('the refund that completes the capture makes the order refunded', () => {
      const history = [...paid, requested('r-1', 1000), refunded('r-1', 1000, 1000), requested('r-2', 3000, 'cancellation')];
      given(history)
        .when((s) => recordRefund(s, { orderId, refundId: 'r-2', now }))
        .then([refunded('r-2', 3000, 4000, 'cancellation')]);
      given([...history, refunded('r-2', 3000, 4000, 'cancellation')]).thenState({
        status: 'refunded',
        customerId,
        lines,
        charges: [],
        total,
        captured: 4000,
        refunds: {
          'r-1': { amount: 1000, reason: 'goodwill', status: 'completed' },
          'r-2': { amount: 3000, reason: 'cancellation', status: 'completed' },
        },
        returns: {},
      });
    });
    it('ignores refunds that are not the order’s (the checkout compensation) and repeats', () => {
      given(paid)
        .when((s) => recordRefund(s, { orderId, refundId: 'unknown', now }))
        .then([]);
      given([...paid, requested('r-1', 1000), refunded('r-1', 1000, 1000)])
        .when((s) => recordRefund(s, { orderId, refundId: 'r-1', now }))
        .then([]);
    });
  });

  describe('rejectRefund', () => {
    it('records the rejection of a pending refund, once', () => {
      given([...paid, requested('r-1', 1000)])
        .when((s) => rejectRefund(s, { orderId, refundId: 'r-1', reason: 'exceeds_captured', now }))
        .then([rejected('r-1')]);
      given([...paid, requested('r-1', 1000), rejected('r-1')])
        .when((s) => rejectRefund(s, { orderId, refundId: 'r-1', reason: 'exceeds_captured', now }))
        .then([]);
    });
  });
});
