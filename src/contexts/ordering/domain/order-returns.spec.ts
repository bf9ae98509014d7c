import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { orderDecider, type ActiveOrder, type OrderEvent, type OrderLine } from './order';
import type { OrderCharge } from './pricing';
import {
  approveReturn,
  OrderNotReturnable,
  requestReturn,
  ReturnExceedsDelivered,
  ReturnLineNotInOrder,
  ReturnNotFound,
  returnValue,
} from './order-returns';

const given = deciderSpec(orderDecider);
const now = new Date('2026-03-01T10:00:00Z');
const at = now.toISOString();
const orderId = '0190f000-0000-7000-8000-000000000001';
const customerId = 'customer-1';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const lines: OrderLine[] = [
  { sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: eur(1000) },
  { sku: 'TEE-2', name: 'T-shirt', quantity: 1, unitPrice: eur(2000) },
];
const total = eur(4500); // 4000 of goods and 500 of shipping

const placedWith = (charges: OrderCharge[], amount: number): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId,
    cartId: customerId,
    lines,
    charges,
    total: eur(amount),
    shippingAddress: { name: 'A', line1: 'B', city: 'C', postalCode: 'D', country: 'GB' },
    placedAt: at,
  },
});
const placed = placedWith([{ kind: 'shipping', label: 'Standard', amount: eur(500) }], total.amount);
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, customerId, total, lines, confirmedAt: at } };
const shipped: OrderEvent = {
  type: 'OrderShipped',
  data: { orderId, customerId, shipmentId: 's-1', carrier: 'dhl', trackingNumber: 'T1', shippedAt: at },
};
const delivered: OrderEvent = {
  type: 'OrderDelivered',
  data: { orderId, customerId, lines: lines.map(({ sku, quantity }) => ({ sku, quantity })), deliveredAt: at },
};
const received = [placed, confirmed, shipped, delivered];
const returnRequested = (returnId: string, returned: { sku: string; quantity: number }[]): OrderEvent => ({
  type: 'ReturnRequested',
  data: { orderId, customerId, returnId, lines: returned, requestedAt: at },
});
const oneMug = [{ sku: 'MUG-1', quantity: 1 }];

describe('order returns', () => {
  describe('requestReturn', () => {
    it('asks to send back delivered lines', () =>
      given(received)
        .when((s) => requestReturn(s, { orderId, returnId: 'ret-1', lines: oneMug, now }))
        .then([returnRequested('ret-1', oneMug)]));
    it('never more than was delivered minus what earlier returns send back', () => {
      given([...received, returnRequested('ret-1', oneMug)])
        .when((s) => requestReturn(s, { orderId, returnId: 'ret-2', lines: [{ sku: 'MUG-1', quantity: 2 }], now }))
        .thenThrows(ReturnExceedsDelivered, 'ordering.return_exceeds_delivered');
      given([...received, returnRequested('ret-1', oneMug)])
        .when((s) => requestReturn(s, { orderId, returnId: 'ret-2', lines: oneMug, now }))
        .then([returnRequested('ret-2', oneMug)]);
    });
    it('refuses a SKU the order does not have', () =>
      given(received)
        .when((s) => requestReturn(s, { orderId, returnId: 'ret-1', lines: [{ sku: 'HAT-9', quantity: 1 }], now }))
        .thenThrows(ReturnLineNotInOrder, 'ordering.return_line_not_in_order'));
    it('only after delivery', () =>
      given([placed, confirmed, shipped])
        .when((s) => requestReturn(s, { orderId, returnId: 'ret-1', lines: oneMug, now }))
        .thenThrows(OrderNotReturnable, 'ordering.order_not_returnable'));
  });

  describe('approveReturn', () => {
    const approved = (returnId: string, amount: number): OrderEvent => ({
      type: 'ReturnApproved',
      data: { orderId, customerId, returnId, lines: oneMug, refund: eur(amount), approvedAt: at },
    });
    it('approves and asks for the refund of what the returned goods cost', () =>
      given([...received, returnRequested('ret-1', oneMug)])
        .when((s) => approveReturn(s, { orderId, returnId: 'ret-1', refundId: 'r-1', now }))
        .then([
          approved('ret-1', 1000),
          {
            type: 'RefundRequested',
            data: { orderId, customerId, refundId: 'r-1', amount: eur(1000), reason: 'return', returnId: 'ret-1', requestedAt: at },
          },
        ]));
    it('approving twice is a no-op; an unknown return is not found', () => {
      given([...received, returnRequested('ret-1', oneMug), approved('ret-1', 1000)])
        .when((s) => approveReturn(s, { orderId, returnId: 'ret-1', refundId: 'r-2', now }))
        .then([]);
      given(received)
        .when((s) => approveReturn(s, { orderId, returnId: 'nope', refundId: 'r-2', now }))
        .thenThrows(ReturnNotFound, 'ordering.return_not_found');
    });
    it('refunds no more than is left of the capture', () => {
      const goodwill: OrderEvent = {
        type: 'RefundRequested',
        data: { orderId, customerId, refundId: 'r-0', amount: eur(4000), reason: 'goodwill', requestedAt: at },
      };
      given([...received, returnRequested('ret-1', oneMug), goodwill])
        .when((s) => approveReturn(s, { orderId, returnId: 'ret-1', refundId: 'r-1', now }))
        .then([
          approved('ret-1', 500),
          {
            type: 'RefundRequested',
            data: { orderId, customerId, refundId: 'r-1', amount: eur(500), reason: 'return', returnId: 'ret-1', requestedAt: at },
          },
        ]);
    });
  });

  describe('returnValue', () => {
    const stateOf = (events: OrderEvent[]) => events.reduce(orderDecider.evolve, orderDecider.initialState()) as ActiveOrder;
    it('without discount or tax: the list price of the goods; shipping is kept', () => {
      expect(returnValue(stateOf([placed]), oneMug)).toBe(1000);
      expect(returnValue(stateOf([placed]), lines)).toBe(4000);
    });
    it('spreads the discount and the tax on goods over the goods by value', () => {
      // goods 4000, shipping 500, discount -400, tax 20% of 4100 = 820; total 5020; the goods carry 3600 + 720
      const charges: OrderCharge[] = [
        { kind: 'shipping', label: 'Standard', amount: eur(500) },
        { kind: 'discount', label: 'Coupon', amount: eur(-400) },
        { kind: 'tax', label: 'VAT 20%', amount: eur(820) },
      ];
      const order = stateOf([placedWith(charges, 5020)]);
      expect(returnValue(order, lines)).toBe(4320);
      expect(returnValue(order, oneMug)).toBe(1080);
    });
  });
});
