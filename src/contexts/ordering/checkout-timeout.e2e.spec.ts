import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import type { Money } from '../../shared-kernel/money';
import { type Authorization, PaymentGateway, PaymentRefused } from '../payment/application/ports';

/** A provider whose authorization answers only when the test says so; like any provider, it never captures after a void. */
class HeldPaymentGateway extends PaymentGateway {
  readonly calls: string[] = [];
  private voided = false;
  private answer?: (authorization: Authorization) => void;
  authorize(): Promise<Authorization> {
    this.calls.push('authorize');
    return new Promise((resolve) => (this.answer = resolve));
  }
  release(authorization: Authorization): void {
    this.answer!(authorization);
  }
  async capture(_ref: string, amount: Money): Promise<void> {
    if (this.voided) throw new PaymentRefused('voided');
    this.calls.push(`capture ${amount.amount}`);
  }
  async void(): Promise<void> {
    this.voided = true;
    this.calls.push('void');
  }
  async refund(): Promise<void> {
    this.calls.push('refund');
  }
}

const until = async (what: string, check: () => Promise<boolean> | boolean, deadlineMs = 20_000): Promise<void> => {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/**
 * The checkout's own deadline, with the consumers and the scheduler running in the background as in production:
 * the provider holds the authorization, the deadline passes, the order is cancelled with reason `timeout` and the
 * stock comes back. The authorization that lands afterwards is voided; captured at once with it (the void is queued
 * behind the authorization, as payment handles one order's commands in order), it is refunded.
 */
describe.each([
  { capture: 'on_confirmation' as const, compensation: ['void'] },
  { capture: 'immediate' as const, compensation: ['capture 1800', 'refund'] },
])('checkout timeout, capturing $capture (e2e)', ({ capture, compensation }) => {
  const gateway = new HeldPaymentGateway();
  const clock = new ManualClock(new Date());
  let t: TestApp;
  let admin: LoggedIn;

  beforeAll(async () => {
    t = await bootTestApp({
      clock,
      background: true,
      configOverrides: { checkoutTimeoutMs: 5_000, paymentProviderTimeoutMs: 60_000, paymentCapture: capture },
      overrideProviders: [{ provide: PaymentGateway, useValue: gateway }],
    });
    admin = await t.registerAndLogin('admin');
  });
  afterAll(async () => {
    gateway.release({ outcome: 'declined', reason: 'test over' });
    await t?.close();
  });

  it('cancels the order at the deadline and gives back what the late authorization holds', async () => {
    const sku = `MUG-${newId().slice(-12)}`;
    await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'timeout-mugs', name: 'Mugs' } });
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
    const product = await t.inject('POST', '/api/v1/products', {
      token: admin.token,
      body: { sku, name: 'Mug', category: 'timeout-mugs', price: { amount: 900, currency: 'EUR' } },
    });
    expect(product.statusCode).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: 4 } })).statusCode).toBe(200);

    const customer = await t.registerAndLogin('customer');
    await until(
      'the product in the catalog',
      async () => (await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 2 } })).statusCode === 200,
    );
    const placed = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: {
        paymentToken: 'tok_approve',
        shippingAddress: { name: 'Ada', line1: '1 Street', city: 'Paris', postalCode: '75001', country: 'FR' },
        shippingMethod: 'standard',
      },
    });
    expect(placed.statusCode).toBe(202);
    const { orderId } = placed.json<{ orderId: string }>();
    const order = async () =>
      (await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token })).json<{
        status: string;
        cancellationReason?: string;
      }>();
    const stock = async () =>
      (await t.inject('GET', `/api/v1/inventory/${sku}`, { token: admin.token })).json<{ reserved: number; available: number }>();

    await until('the authorization request', () => gateway.calls.includes('authorize'));
    expect(await stock()).toMatchObject({ reserved: 2, available: 2 });

    clock.advance(5_001);
    await until('the cancellation', async () => (await order()).status === 'cancelled');
    expect(await order()).toMatchObject({ status: 'cancelled', cancellationReason: 'timeout' });

    gateway.release({ outcome: 'authorized', providerRef: 'held-1' });
    const settled = compensation.at(-1)!;
    await until(`the ${settled} and the release`, async () => gateway.calls.includes(settled) && (await stock()).reserved === 0);
    expect(await stock()).toMatchObject({ reserved: 0, available: 4 });
    expect(gateway.calls.filter((c) => c !== 'authorize')).toEqual(compensation);
  });
});
