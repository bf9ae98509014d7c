import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedIn } from '../../../test/support/app';
import { deliveryViolations, invariantViolations, until } from '../../../test/support/invariants';
import { signWebhook } from '../../platform/http/webhook-signature';
import { newId } from '../../shared-kernel/ids';
import { PaymentMessages } from './contracts';
import { sandboxWebhookFor } from './infrastructure/sandbox.webhooks';
import { type SandboxShop, shop, WEBHOOK } from './sandbox-webhooks.fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
describe('sandbox payment webhooks (e2e)', () => {
  let s: SandboxShop;
  let captured: { orderId: string; customer: LoggedIn };

  // captures are recorded at the provider first and answered 100 ms later: the webhook lands before, during or after;
  // captured on confirmation, so the authorization is recorded before the capture is asked and a webhook can win
  beforeAll(async () => {
    s = await shop({ paymentSandboxLatencyMs: 100, paymentCapture: 'on_confirmation' });
    captured = await s.checkout(await s.stockedSku(5), 1);
    await s.t.drain();
  });
  afterAll(async () => {
    await s?.t.close();
  });

  const capturedEvent = () => s.sandboxEvent(captured.orderId, 'payment.captured');
  const problem = (res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number, code: string) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status, code });
  };

  it('a captured webhook racing the synchronous capture result: one capture, one message, the order confirmed once, nothing refunded', async () => {
    const sku = await s.stockedSku(100, 990);
    for (const round of [0, 1, 2]) {
      const orders = await Promise.all(Array.from({ length: 6 }, (_, i) => s.checkout(sku, 1 + ((i + round) % 3))));
      // webhook i waits (i * 30 + round * 10) ms after the provider recorded the capture: before, during and after the
      // 100 ms until the synchronous answer, and after it was committed
      const webhooks = orders.map(async ({ orderId }, i) => {
        const event = await until(
          `the capture of ${orderId} at the provider`,
          () => s.sandbox.webhookEvents(orderId).then((events) => events.find((e) => e.type === 'payment.captured')),
          30_000,
          5,
        );
        await sleep(i * 30 + round * 10);
        return s.deliver(event);
      });
      const [, ...answers] = await Promise.all([s.t.drain(), ...webhooks]);
      for (const answer of answers) expect(answer.statusCode, answer.body).toBe(200);
      await s.t.drain();

      for (const { orderId, customer } of orders) {
        const order = await s.order(orderId, customer);
        expect(order.status).toBe('confirmed');
        const payment = await s.payment(orderId);
        expect(payment).toMatchObject({ status: 'captured', captured: order.total.amount, refunded: 0 });
        expect(payment.entries.map((e) => e.kind)).toEqual(['authorized', 'captured']);
        expect(await s.types(`payment.payment-${orderId}`)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
        expect(await s.types(`ordering.checkout-${orderId}`)).not.toContain('PaymentRefundRequested');
        expect((await s.types(`ordering.order-${orderId}`)).filter((type) => type === 'OrderConfirmed')).toHaveLength(1);
        const messages = s.published.filter((m) => (m.data as { orderId: string }).orderId === orderId);
        expect(messages.filter((m) => m.type === PaymentMessages.paymentCaptured)).toHaveLength(1);
        expect(messages.filter((m) => m.type === PaymentMessages.paymentRefunded)).toHaveLength(0);
      }
    }
    // both won the race: the webhook recorded some captures, the synchronous answer the others
    const { rows } = await s.db.query<{ by: string; n: string }>(
      `select case when metadata->>'commandId' like '%:payment.webhook' then 'webhook' else 'answer' end as by, count(*) as n
         from es.events where type = 'PaymentCaptured' and stream <> $1 group by 1`,
      [`payment.payment-${captured.orderId}`],
    );
    const by = Object.fromEntries(rows.map((r) => [r.by, Number(r.n)]));
    expect(by.webhook + by.answer).toBe(18);
    expect(by.webhook).toBeGreaterThan(0);
    expect(by.answer).toBeGreaterThan(0);
    expect(await invariantViolations(s.db)).toEqual([]);
    expect(await deliveryViolations(s.db)).toEqual([]);
  });

  it('a webhook after the synchronous result, and each replay of it, is a known fact: 200, processed once', async () => {
    const event = await capturedEvent();
    const before = await s.payment(captured.orderId);
    for (let i = 0; i < 3; i++) expect((await s.deliver(event)).json()).toEqual({ received: true });
    await Promise.all([s.deliver(event), s.deliver(event)]);
    await s.t.drain();
    expect(await s.payment(captured.orderId)).toEqual(before);
    const { rows } = await s.db.query(`select 1 from messaging.inbox where subscriber = 'payment.provider-webhooks' and message_id = $1`, [
      event.id,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('refuses a missing or wrong signature, and a body changed after signing (401)', async () => {
    const event = await capturedEvent();
    const signed = sandboxWebhookFor(event, { secret: s.t.config.paymentWebhookSecret, now: s.t.clock.now() });
    const { 'x-sandbox-signature': _signature, ...unsigned } = signed.headers;
    problem(await s.t.inject('POST', WEBHOOK, { headers: unsigned, body: signed.body }), 401, 'payment.webhook_signature_invalid');
    problem(
      await s.t.inject('POST', WEBHOOK, sandboxWebhookFor(event, { secret: 'not-the-secret-of-this-app', now: s.t.clock.now() })),
      401,
      'payment.webhook_signature_invalid',
    );
    const tampered = signed.body.replace(`"amount":${event.data.amount}`, `"amount":${(event.data.amount ?? 0) + 1}`);
    expect(tampered).not.toBe(signed.body);
    problem(await s.t.inject('POST', WEBHOOK, { headers: signed.headers, body: tampered }), 401, 'payment.webhook_signature_invalid');
    problem(
      await s.t.inject('POST', WEBHOOK, { headers: { ...signed.headers, 'x-sandbox-signature': 't=abc,v1=xyz' }, body: signed.body }),
      401,
      'payment.webhook_signature_invalid',
    );
  });

  it('refuses a signature older or newer than the tolerance (401 stale), accepts one just inside it', async () => {
    const event = await capturedEvent();
    const tolerance = s.t.config.webhookToleranceS * 1000;
    const now = s.t.clock.now().getTime();
    problem(await s.deliver(event, new Date(now - tolerance - 2000)), 401, 'payment.webhook_stale');
    problem(await s.deliver(event, new Date(now + tolerance + 2000)), 401, 'payment.webhook_stale');
    expect((await s.deliver(event, new Date(now - tolerance + 2000))).statusCode).toBe(200);
  });

  it('refuses a malformed body with 400, after checking its signature', async () => {
    const secret = s.t.config.paymentWebhookSecret;
    const signed = (body: string) => ({
      headers: { 'content-type': 'application/json', 'x-sandbox-signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)) },
      body,
    });
    const event = await capturedEvent();
    const { amount: _amount, ...noAmount } = event.data as Record<string, unknown>;
    for (const body of [
      JSON.stringify({ ...event, data: noAmount }),
      JSON.stringify({ ...event, id: 'not an event id' }),
      JSON.stringify({ ...event, data: { ...event.data, amount: -1 } }),
      JSON.stringify({ ...event, data: { ...event.data, amount: 12.5 } }),
      JSON.stringify({ ...event, data: { ...event.data, status: 'captured' } }),
      JSON.stringify({ ...event, livemode: true }),
      JSON.stringify([event]),
      '{"id":',
    ]) {
      const res = await s.t.inject('POST', WEBHOOK, signed(body));
      expect(res.statusCode, body).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      if (body !== '{"id":') expect(res.json()).toMatchObject({ code: 'payment.invalid_webhook' });
    }
    // unsigned, a body is refused before it is read
    problem(await s.t.inject('POST', WEBHOOK, { body: { ...event, data: noAmount } }), 401, 'payment.webhook_signature_invalid');
  });

  it('answers 404 for an unknown payment and 409 for a report that cannot follow, leaving no trace; 200 for other event types', async () => {
    const unknown = newId();
    const event = s.craft('payment.captured', unknown, { providerRef: 'sbx_x', amount: 100, currency: 'EUR' });
    problem(await s.deliver(event), 404, 'payment.payment_not_found');
    problem(await s.deliver(event), 404, 'payment.payment_not_found');

    // voided after captured: a contradiction, refused every time it comes
    const voided = s.craft('payment.voided', captured.orderId, {});
    problem(await s.deliver(voided), 409, 'payment.webhook_not_applicable');
    // a refund the provider reports before payment knows it: recorded (with the total), and once
    const refundData = { providerRef: 'sbx_x', refundId: 'r-webhook', amount: 100, currency: 'EUR' };
    const refund = s.craft('payment.refunded', captured.orderId, refundData, 'r-webhook');
    expect((await s.deliver(refund)).statusCode).toBe(200);
    expect((await s.deliver(refund)).statusCode).toBe(200);
    const payment = await s.payment(captured.orderId);
    expect(payment).toMatchObject({ status: 'partially_refunded', refunded: 100 });
    expect(payment.entries.filter((e) => e.kind === 'refunded')).toEqual([expect.objectContaining({ amount: 100, refundId: 'r-webhook' })]);

    const { rows } = await s.db.query(
      `select message_id from messaging.inbox where subscriber = 'payment.provider-webhooks' and message_id = any($1)`,
      [[event.id, voided.id]],
    );
    expect(rows).toEqual([]);
    const res = await s.deliver(s.craft('payment.dispute_created', unknown, { reason: 'fraudulent' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true });
  });
});
