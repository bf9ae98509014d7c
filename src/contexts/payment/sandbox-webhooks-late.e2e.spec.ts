import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryViolations, invariantViolations, until } from '../../../test/support/invariants';
import { type SandboxShop, shop } from './sandbox-webhooks.fixtures';

describe('a captured webhook racing a capture at once (e2e)', () => {
  let s: SandboxShop;

  // the provider answers the authorization and the capture 300 ms each after recording them
  beforeAll(async () => {
    s = await shop({ paymentSandboxLatencyMs: 300, paymentCapture: 'immediate' });
  });
  afterAll(async () => {
    await s?.t.close();
  });

  it('is unknown until the provider round is recorded (404: the provider delivers it again), then a known fact', async () => {
    const { orderId, customer } = await s.checkout(await s.stockedSku(3), 1);
    const round = s.t.drain();
    const event = await until(
      `the capture of ${orderId} at the provider`,
      () => s.sandbox.webhookEvents(orderId).then((events) => events.find((e) => e.type === 'payment.captured')),
      30_000,
      5,
    );
    const early = await s.deliver(event);
    await round;
    await s.t.drain();
    expect(early.statusCode).toBe(404);
    expect((await s.deliver(event)).statusCode).toBe(200);
    await s.t.drain();
    expect(await s.order(orderId, customer)).toMatchObject({ status: 'confirmed' });
    expect(await s.types(`payment.payment-${orderId}`)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    expect((await s.payment(orderId)).entries.map((e) => e.kind)).toEqual(['authorized', 'captured']);
    expect(await invariantViolations(s.db)).toEqual([]);
    expect(await deliveryViolations(s.db)).toEqual([]);
  });
});

describe('an authorization reported after the checkout gave up on it (e2e)', () => {
  let s: SandboxShop;

  // the provider records each authorization and answers 400 ms later; payment stops waiting after 150 ms
  beforeAll(async () => {
    s = await shop({ paymentSandboxLatencyMs: 400, paymentProviderTimeoutMs: 150 });
  });
  afterAll(async () => {
    await s?.t.close();
  });

  it('is recorded, and the checkout voids it as the compensation it already has', async () => {
    const sku = await s.stockedSku(3);
    const { orderId, customer } = await s.checkout(sku, 2);
    await s.t.drain();
    expect(await s.order(orderId, customer)).toMatchObject({ status: 'cancelled', cancellationReason: 'payment_failed' });
    expect((await s.payment(orderId)).entries.map((e) => e.kind)).toEqual(['failed']);

    // the provider had authorized before it was told to void: it reports both
    const authorized = await s.sandboxEvent(orderId, 'payment.authorized');
    expect((await s.deliver(authorized)).statusCode).toBe(200);
    await s.t.drain();
    expect((await s.payment(orderId)).entries.map((e) => e.kind)).toEqual(['failed', 'authorized', 'voided']);
    expect(await s.types(`ordering.checkout-${orderId}`)).toEqual(
      expect.arrayContaining(['PaymentVoidRequested', 'PaymentVoidAcknowledged']),
    );
    expect((await s.deliver(await s.sandboxEvent(orderId, 'payment.voided'))).statusCode).toBe(200);
    expect((await s.deliver(authorized)).statusCode).toBe(200);
    await s.t.drain();

    const payment = await s.payment(orderId);
    expect(payment).toMatchObject({ status: 'voided', captured: 0 });
    expect(payment.entries.map((e) => e.kind)).toEqual(['failed', 'authorized', 'voided']);
    expect(await s.order(orderId, customer)).toMatchObject({ status: 'cancelled', cancellationReason: 'payment_failed' });
    expect((await s.t.inject('GET', `/api/v1/inventory/${sku}`, { token: s.admin.token })).json()).toMatchObject({
      reserved: 0,
      available: 3,
    });
    expect(await invariantViolations(s.db)).toEqual([]);
    expect(await deliveryViolations(s.db)).toEqual([]);
  });
});
