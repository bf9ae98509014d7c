import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  confirm,
  EmptyCart,
  OrderAlreadyPlaced,
  OrderNotConfirmable,
  OrderNotFound,
  orderDecider,
  place,
  type OrderEvent,
  type OrderLine,
  type OrderPlaced,
} from './order';
import { cancel, OrderNotCancellable } from './order-cancellation';

const given = deciderSpec(orderDecider);
const now = new Date('2026-03-01T10:00:00Z');
const orderId = '0190f000-0000-7000-8000-000000000001';
const customerId = 'customer-1';
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const lines: OrderLine[] = [
  { sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' } },
  { sku: 'TEE-2', name: 'T-shirt', quantity: 1, unitPrice: { amount: 1999, currency: 'EUR' } },
];
const shipping = { method: 'standard', name: 'Standard', price: { amount: 500, currency: 'EUR' } };
const total = { amount: 4999, currency: 'EUR' };

const placed: OrderPlaced = {
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId,
    cartId: customerId,
    lines,
    charges: [{ kind: 'shipping', label: 'Standard', amount: shipping.price }],
    shippingMethod: 'standard',
    total,
    shippingAddress: address,
    placedAt: now.toISOString(),
  },
};
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, customerId, total, lines, confirmedAt: now.toISOString() } };
const cancelled: OrderEvent = {
  type: 'OrderCancelled',
  data: { orderId, customerId, reason: 'timeout', wasConfirmed: false, lines, cancelledAt: now.toISOString() },
};

describe('order decider', () => {
  describe('place', () => {
    const cmd = { orderId, customerId, cartId: customerId, lines, shipping, shippingAddress: address, now };

    it('places an order with the total of its lines and its shipping', () =>
      given([])
        .when((s) => place(s, cmd))
        .then([placed]));

    it('records the coupon it used and prices discount and tax as charges', () => {
      const coupon = { code: 'SPRING10', type: 'percentage' as const, value: 10, used: 0 };
      const event = place(orderDecider.initialState(), { ...cmd, coupon, taxRate: { country: 'GB', rateBps: 2000, name: 'VAT' } });
      expect(event.data).toMatchObject({
        couponCode: 'SPRING10',
        charges: [
          { kind: 'shipping', amount: { amount: 500 } },
          { kind: 'discount', amount: { amount: -450 } },
          { kind: 'tax', label: 'VAT 20%', amount: { amount: 910 } },
        ],
        total: { amount: 4499 + 500 - 450 + 910, currency: 'EUR' },
      });
    });

    it('refuses an empty cart', () =>
      given([])
        .when((s) => place(s, { ...cmd, lines: [] }))
        .thenThrows(EmptyCart, 'ordering.empty_cart'));

    it('refuses to place the same order twice', () =>
      given([placed])
        .when((s) => place(s, cmd))
        .thenThrows(OrderAlreadyPlaced, 'ordering.order_already_placed'));

    it('refuses lines priced in different currencies', () =>
      expect(() =>
        place(orderDecider.initialState(), { ...cmd, lines: [lines[0], { ...lines[1], unitPrice: { amount: 1, currency: 'USD' } }] }),
      ).toThrow(expect.objectContaining({ code: 'money.currency_mismatch' })));
  });

  describe('confirm', () => {
    it('confirms a placed order', () =>
      given([placed])
        .when((s) => confirm(s, { orderId, now }))
        .then([confirmed]));
    it('is a no-op for a confirmed order', () =>
      given([placed, confirmed])
        .when((s) => confirm(s, { orderId, now }))
        .then([]));
    it('refuses a cancelled order', () =>
      given([placed, cancelled])
        .when((s) => confirm(s, { orderId, now }))
        .thenThrows(OrderNotConfirmable, 'ordering.order_not_confirmable'));
    it('refuses an unknown order', () =>
      given([])
        .when((s) => confirm(s, { orderId, now }))
        .thenThrows(OrderNotFound, 'ordering.order_not_found'));
  });

  describe('cancel', () => {
    it('cancels a placed order with a reason', () =>
      given([placed])
        .when((s) => cancel(s, { orderId, reason: 'timeout', now }))
        .then([cancelled]));
    it('is a no-op for a cancelled order', () =>
      given([placed, cancelled])
        .when((s) => cancel(s, { orderId, reason: 'out_of_stock', now }))
        .then([]));
    it('refuses a confirmed order', () =>
      given([placed, confirmed])
        .when((s) => cancel(s, { orderId, reason: 'timeout', now }))
        .thenThrows(OrderNotCancellable, 'ordering.order_not_cancellable'));
    it('refuses an unknown order', () =>
      given([])
        .when((s) => cancel(s, { orderId, reason: 'timeout', now }))
        .thenThrows(OrderNotFound));
  });

  it('folds to the latest status', () => {
    const order = { customerId, lines, charges: placed.data.charges, total, refunds: {}, returns: {} };
    given([placed]).thenState({ status: 'placed', ...order, captured: 0 });
    given([placed, confirmed]).thenState({ status: 'confirmed', ...order, captured: total.amount });
    given([placed, cancelled]).thenState({ status: 'cancelled', ...order, captured: 0 });
  });
});
