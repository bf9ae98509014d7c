import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openShop, PRICE, SHIPPING, type Shop } from '../../../test/support/order-shop';

/**
 * The merchant's capture setting end to end: `immediate` (the default) captures in the authorization's provider
 * round, so the checkout never asks for the capture; `on_confirmation` keeps the two steps.
 */
describe.each([
  {
    capture: 'immediate',
    checkout: ['CheckoutStarted', 'PaymentAuthorizationRequested', 'CheckoutCompleted'],
  },
  {
    capture: 'on_confirmation',
    checkout: ['CheckoutStarted', 'PaymentAuthorizationRequested', 'PaymentCaptureRequested', 'CheckoutCompleted'],
  },
])('checkout with PAYMENT_CAPTURE=$capture (e2e)', ({ capture, checkout }) => {
  let s: Shop;
  beforeAll(async () => {
    s = await openShop({ env: { PAYMENT_CAPTURE: capture } });
  });
  afterAll(async () => {
    await s?.t.close();
  });

  const types = async (stream: string) =>
    (await s.db.query<{ type: string }>('select type from es.events where stream = $1 order by version', [stream])).rows.map((r) => r.type);

  it('tok_approve: confirmed, the total captured once', async () => {
    const customer = await s.t.registerAndLogin('customer');
    const sku = await s.stockedProduct(5);
    const orderId = await s.placeOrder(customer, sku, 2);
    await s.t.drain();
    expect(await s.order(orderId)).toMatchObject({ status: 'confirmed' });
    expect(await s.ledger(orderId)).toEqual({ captured: 2 * PRICE + SHIPPING, refunded: 0 });
    expect(await types(`ordering.checkout-${orderId}`)).toEqual(checkout);
    expect(await types(`payment.payment-${orderId}`)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    expect(await s.stock(sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
  });

  it('tok_decline: cancelled, nothing captured, the stock back', async () => {
    const customer = await s.t.registerAndLogin('customer');
    const sku = await s.stockedProduct(5);
    const orderId = await s.placeOrder(customer, sku, 2, 'tok_decline');
    await s.t.drain();
    expect(await s.order(orderId)).toMatchObject({ status: 'cancelled', cancellationReason: 'payment_declined' });
    expect(await s.ledger(orderId)).toEqual({ captured: 0, refunded: 0 });
    expect(await types(`payment.payment-${orderId}`)).toEqual(['PaymentDeclined']);
    expect(await s.stock(sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  });
});
