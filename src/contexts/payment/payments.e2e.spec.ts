import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { type IntegrationMessage, MessageBus } from '../../platform/messaging/message-bus';
import { newId } from '../../shared-kernel/ids';
import { PaymentGateway } from './application/ports';
import { PaymentMessages, type RefundPaymentV1 } from './contracts';
import { SandboxPaymentGateway } from './infrastructure/sandbox.payment-gateway';
import { sandboxWebhookFor } from './infrastructure/sandbox.webhooks';

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };

type Payment = {
  orderId: string;
  status: string;
  currency: string | null;
  authorized: number;
  captured: number;
  refunded: number;
  entries: {
    kind: string;
    amount: number | null;
    providerRef: string | null;
    refundId: string | null;
    reason: string | null;
    at: string;
  }[];
};

/** The payment ledger (GET /payments/:orderId) and partial refunds asked for over the bus, as ordering asks for them. */
describe('payment ledger and partial refunds (e2e)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let staff: LoggedIn;
  let orderId: string;
  let total: number;
  const published: IntegrationMessage[] = [];

  const payment = async (id: string, token = staff.token) => t.inject('GET', `/api/v1/payments/${id}`, { token });
  const refund = async (data: RefundPaymentV1) => {
    const message = {
      id: newId(),
      type: PaymentMessages.refundPayment,
      occurredAt: new Date().toISOString(),
      correlationId: newId(),
      data,
    };
    await t.get(MessageBus).publish([message]);
    await t.drain();
  };
  const answers = (type: string) => published.filter((m) => m.type === type && (m.data as { orderId: string }).orderId === orderId);

  beforeAll(async () => {
    t = await bootTestApp();
    [admin, staff] = [await t.registerAndLogin('admin'), await t.registerAndLogin('staff')];
    const answerTypes = [PaymentMessages.paymentRefunded, PaymentMessages.refundRejected];
    await t.get(MessageBus).subscribe('test.payment-answers', answerTypes, async (m) => void published.push(m));
    expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } })).statusCode).toBe(
      201,
    );
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
    const sku = `MUG-${newId().slice(-12)}`;
    const product = { sku, name: 'Mug', category: 'mugs', price: { amount: 2000, currency: 'EUR' } };
    expect((await t.inject('POST', '/api/v1/products', { token: admin.token, body: product })).statusCode).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: 5 } })).statusCode).toBe(200);
    await t.drain();

    const customer = await t.registerAndLogin('customer');
    expect((await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 2 } })).statusCode).toBe(200);
    const placed = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' },
    });
    expect(placed.statusCode, placed.body).toBe(202);
    orderId = placed.json<{ orderId: string }>().orderId;
    await t.drain();
    const order = (await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token })).json<{
      status: string;
      total: { amount: number };
    }>();
    expect(order.status).toBe('confirmed');
    total = order.total.amount;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows staff the status, totals and every movement of a payment', async () => {
    const res = await payment(orderId);
    expect(res.statusCode).toBe(200);
    const body = res.json<Payment>();
    expect(body).toMatchObject({ orderId, status: 'captured', currency: 'EUR', authorized: total, captured: total, refunded: 0 });
    expect(body.entries).toEqual([
      {
        kind: 'authorized',
        amount: total,
        providerRef: expect.stringMatching(/^sbx_/),
        refundId: null,
        reason: null,
        at: expect.any(String),
      },
      { kind: 'captured', amount: total, providerRef: null, refundId: null, reason: null, at: expect.any(String) },
    ]);
    expect((await payment(orderId, admin.token)).statusCode).toBe(200);
  });

  it('is for staff only; an unknown payment is 404', async () => {
    const customer = await t.registerAndLogin('customer');
    expect((await payment(orderId, customer.token)).statusCode).toBe(403);
    expect((await t.inject('GET', `/api/v1/payments/${orderId}`)).statusCode).toBe(401);
    for (const id of [newId(), 'not-an-order', 'x'.repeat(100)]) {
      const res = await payment(id);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'payment.payment_not_found' });
    }
  });

  it('refunds in parts, each refund id once, never more than captured; a refusal is answered with refund-rejected', async () => {
    const eur = (amount: number) => ({ amount, currency: 'EUR' });
    await refund({ orderId, amount: eur(500), refundId: 'r-1' });
    await refund({ orderId, amount: eur(500), refundId: 'r-1' }); // the same refund asked again
    expect((await payment(orderId)).json<Payment>()).toMatchObject({ status: 'partially_refunded', refunded: 500 });

    await refund({ orderId, amount: eur(total), refundId: 'r-2' });
    await refund({ orderId, amount: eur(total - 500), refundId: 'r-3' });
    await refund({ orderId, amount: eur(1), refundId: 'r-4' });

    const body = (await payment(orderId)).json<Payment>();
    expect(body).toMatchObject({ status: 'refunded', captured: total, refunded: total });
    expect(body.entries.filter((e) => e.kind === 'refunded').map((e) => [e.refundId, e.amount])).toEqual([
      ['r-1', 500],
      ['r-3', total - 500],
    ]);
    expect(answers(PaymentMessages.paymentRefunded).map((m) => m.data)).toEqual([
      { orderId, amount: eur(500), refundId: 'r-1', totalRefunded: eur(500) },
      { orderId, amount: eur(total - 500), refundId: 'r-3', totalRefunded: eur(total) },
    ]);
    expect(answers(PaymentMessages.refundRejected).map((m) => m.data)).toEqual([
      { orderId, amount: eur(total), refundId: 'r-2', reason: 'exceeds_captured' },
      { orderId, amount: eur(1), refundId: 'r-4', reason: 'exceeds_captured' },
    ]);

    // the provider refunded each id once, and reports each refund: already known here
    const sandbox = t.get(PaymentGateway) as SandboxPaymentGateway;
    const events = (await sandbox.webhookEvents(orderId)).filter((e) => e.type === 'payment.refunded');
    expect(events.map((e) => e.data)).toMatchObject([
      { refundId: 'r-1', amount: 500 },
      { refundId: 'r-3', amount: total - 500 },
    ]);
    for (const event of events) {
      const delivered = await t.inject(
        'POST',
        '/api/v1/payments/webhooks/sandbox',
        sandboxWebhookFor(event, { secret: t.config.paymentWebhookSecret, now: t.clock.now() }),
      );
      expect(delivered.statusCode).toBe(200);
    }
    expect((await payment(orderId)).json<Payment>().entries).toEqual(body.entries);
  });

  it("a refund without refund id is the checkout's compensation, named by the order; refunding what was never captured is rejected", async () => {
    const unknown = newId();
    await refund({ orderId: unknown, amount: { amount: 100, currency: 'EUR' } });
    expect(published.filter((m) => (m.data as { orderId: string }).orderId === unknown).map((m) => [m.type, m.data])).toEqual([
      [
        PaymentMessages.refundRejected,
        { orderId: unknown, amount: { amount: 100, currency: 'EUR' }, refundId: unknown, reason: 'not_captured' },
      ],
    ]);
    expect((await payment(unknown)).statusCode).toBe(404);
  });
});
