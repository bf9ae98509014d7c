import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import type { Config } from '../../../platform/config';
import { PgDatabase } from '../../../platform/persistence/pg.database';
import { PaymentRefused } from '../application/ports';
import { callProvider } from '../application/provider-call';
import { paymentMigrations } from './migrations';
import { SandboxPaymentGateway, SandboxProviderError } from './sandbox.payment-gateway';
import { sandboxEventId, SandboxWebhookEvent } from './sandbox.webhooks';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
let n = 0;
const paymentId = () => `order-${Date.now()}-${++n}`;
const until = async (probe: () => Promise<boolean>) => {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe.each(testServers())('SandboxPaymentGateway on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let gateway: SandboxPaymentGateway;

  const suite = migratedDatabase(server, paymentMigrations);
  beforeAll(async () => {
    db = suite.db;
    gateway = new SandboxPaymentGateway(db, { paymentProviderTimeoutMs: 100 } as Config);
  });

  const ledger = async (id: string) =>
    (
      await db.query<{ state: string; amount: string | null; captured: string; refunded: string }>(
        'select state, amount, captured, refunded from payment_sandbox.payments where payment_id = $1',
        [id],
      )
    ).rows[0];

  it('tok_approve authorizes, idempotently by payment id', async () => {
    const id = paymentId();
    const first = await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_approve' });
    expect(first).toEqual({ outcome: 'authorized', providerRef: expect.stringMatching(/^sbx_/) });
    expect(await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_approve' })).toEqual(first);
    expect(await ledger(id)).toMatchObject({ state: 'authorized', amount: '1000' });
  });

  it('tok_decline is declined, and any unknown token too', async () => {
    const id = paymentId();
    expect(await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_decline' })).toEqual({
      outcome: 'declined',
      reason: 'card_declined',
    });
    expect(await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_decline' })).toEqual({
      outcome: 'declined',
      reason: 'card_declined',
    });
    expect(await gateway.authorize({ paymentId: paymentId(), amount: eur(1000), token: 'tok_unknown' })).toEqual({
      outcome: 'declined',
      reason: 'invalid_token',
    });
  });

  it('tok_error fails every attempt and records nothing', async () => {
    const id = paymentId();
    for (let i = 0; i < 3; i++)
      await expect(gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_error' })).rejects.toBeInstanceOf(
        SandboxProviderError,
      );
    expect(await ledger(id)).toBeUndefined();
    const call = await callProvider('authorize', () => gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_error' }), {
      timeoutMs: 1000,
      attempts: 3,
      backoffMs: 1,
    });
    expect(call).toMatchObject({ ok: false, reason: 'provider_error' });
  });

  it('tok_slow answers after the provider timeout; voided in time, its late authorization is voided at once', async () => {
    const id = paymentId();
    const late = gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_slow' });
    const call = await callProvider('authorize', () => late, { timeoutMs: 100, attempts: 3, backoffMs: 1 });
    expect(call).toMatchObject({ ok: false, reason: 'timeout' });
    await gateway.void(id);
    expect(await ledger(id)).toMatchObject({ state: 'voided', amount: null });
    expect(await late).toEqual({ outcome: 'declined', reason: 'voided' });
    expect(await ledger(id)).toMatchObject({ state: 'voided', amount: '1000', captured: '0' });
  });

  it('tok_slow authorizes when nobody gives up on it', async () => {
    const id = paymentId();
    const started = Date.now();
    expect(await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_slow' })).toMatchObject({ outcome: 'authorized' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(gateway.slowDelayMs - 5);
  });

  it('captures once, never more than authorized, never after a void', async () => {
    const id = paymentId();
    const auth = await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_approve' });
    if (auth.outcome !== 'authorized') throw new Error('expected an authorization');
    await expect(gateway.capture(auth.providerRef, eur(1001))).rejects.toBeInstanceOf(PaymentRefused);
    await gateway.capture(auth.providerRef, eur(1000));
    await gateway.capture(auth.providerRef, eur(1000)); // a repeat
    expect(await ledger(id)).toMatchObject({ state: 'captured', captured: '1000' });
    await expect(gateway.void(id)).rejects.toBeInstanceOf(PaymentRefused);

    const voidedId = paymentId();
    const voided = await gateway.authorize({ paymentId: voidedId, amount: eur(500), token: 'tok_approve' });
    if (voided.outcome !== 'authorized') throw new Error('expected an authorization');
    await gateway.void(voidedId);
    await gateway.void(voidedId); // a repeat
    await expect(gateway.capture(voided.providerRef, eur(500))).rejects.toBeInstanceOf(PaymentRefused);
    expect(await ledger(voidedId)).toMatchObject({ state: 'voided', captured: '0' });
  });

  it('refunds in parts up to what was captured, each refund id once', async () => {
    const id = paymentId();
    const auth = await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_approve' });
    if (auth.outcome !== 'authorized') throw new Error('expected an authorization');
    await expect(gateway.refund(auth.providerRef, eur(100), `${id}-r0`)).rejects.toBeInstanceOf(PaymentRefused);
    await gateway.capture(auth.providerRef, eur(1000));
    await gateway.refund(auth.providerRef, eur(400), `${id}-r1`);
    await gateway.refund(auth.providerRef, eur(400), `${id}-r1`); // a repeat
    expect(await ledger(id)).toMatchObject({ state: 'captured', refunded: '400' });
    await expect(gateway.refund(auth.providerRef, eur(601), `${id}-r2`)).rejects.toBeInstanceOf(PaymentRefused);
    await expect(gateway.refund(auth.providerRef, eur(0), `${id}-r2`)).rejects.toBeInstanceOf(PaymentRefused);
    await gateway.refund(auth.providerRef, eur(250), `${id}-r2`);
    await gateway.refund(auth.providerRef, eur(350), `${id}-r3`);
    expect(await ledger(id)).toMatchObject({ state: 'refunded', refunded: '1000' });
    await expect(gateway.refund(auth.providerRef, eur(1), `${id}-r4`)).rejects.toBeInstanceOf(PaymentRefused);
    const { rows } = await db.query<{ refund_id: string; amount: string }>(
      'select refund_id, amount from payment_sandbox.refunds where provider_ref = $1 order by refund_id',
      [auth.providerRef],
    );
    expect(rows).toEqual([
      { refund_id: `${id}-r1`, amount: '400' },
      { refund_id: `${id}-r2`, amount: '250' },
      { refund_id: `${id}-r3`, amount: '350' },
    ]);
  });

  it('refuses a refund id already used for another refund (another amount or another payment)', async () => {
    const [a, b] = [paymentId(), paymentId()];
    const refs: string[] = [];
    for (const id of [a, b]) {
      const auth = await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_approve' });
      if (auth.outcome !== 'authorized') throw new Error('expected an authorization');
      await gateway.capture(auth.providerRef, eur(1000));
      refs.push(auth.providerRef);
    }
    await gateway.refund(refs[0], eur(300), `${a}-shared`);
    await expect(gateway.refund(refs[0], eur(200), `${a}-shared`)).rejects.toBeInstanceOf(PaymentRefused);
    await expect(gateway.refund(refs[1], eur(300), `${a}-shared`)).rejects.toBeInstanceOf(PaymentRefused);
    expect(await ledger(a)).toMatchObject({ refunded: '300' });
    expect(await ledger(b)).toMatchObject({ refunded: '0' });
  });

  it('reports what it recorded as webhook events, with the same ids every time', async () => {
    const id = paymentId();
    const auth = await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_approve' });
    if (auth.outcome !== 'authorized') throw new Error('expected an authorization');
    const providerRef = auth.providerRef;
    expect((await gateway.webhookEvents(id)).map((e) => e.type)).toEqual(['payment.authorized']);
    await gateway.capture(providerRef, eur(1000));
    await gateway.refund(providerRef, eur(300), `${id}-r1`);
    const events = await gateway.webhookEvents(id);
    expect(events).toEqual([
      {
        id: sandboxEventId(id, 'payment.authorized'),
        type: 'payment.authorized',
        created: expect.any(Number),
        data: { paymentId: id, providerRef, amount: 1000, currency: 'EUR' },
      },
      {
        id: sandboxEventId(id, 'payment.captured'),
        type: 'payment.captured',
        created: expect.any(Number),
        data: { paymentId: id, providerRef, amount: 1000, currency: 'EUR' },
      },
      {
        id: sandboxEventId(id, 'payment.refunded', `${id}-r1`),
        type: 'payment.refunded',
        created: expect.any(Number),
        data: { paymentId: id, providerRef, refundId: `${id}-r1`, amount: 300, currency: 'EUR' },
      },
    ]);
    expect(await gateway.webhookEvents(id)).toEqual(events);
    for (const event of events) expect(SandboxWebhookEvent.parse(event)).toEqual(event);

    const declined = paymentId();
    await gateway.authorize({ paymentId: declined, amount: eur(500), token: 'tok_decline' });
    expect(await gateway.webhookEvents(declined)).toMatchObject([
      { type: 'payment.declined', data: { paymentId: declined, reason: 'card_declined', amount: 500, currency: 'EUR' } },
    ]);

    const voided = paymentId();
    await gateway.authorize({ paymentId: voided, amount: eur(500), token: 'tok_approve' });
    await gateway.void(voided);
    expect((await gateway.webhookEvents(voided)).map((e) => e.type)).toEqual(['payment.authorized', 'payment.voided']);

    // voided before any authorization: nothing was ever held, nothing to report
    const early = paymentId();
    await gateway.void(early);
    expect(await gateway.webhookEvents(early)).toEqual([]);
    expect(await gateway.webhookEvents(paymentId())).toEqual([]);
  });

  it('with a latency, a capture is recorded first and answered that much later', async () => {
    const slow = new SandboxPaymentGateway(db, { paymentProviderTimeoutMs: 100, paymentSandboxLatencyMs: 150 } as Config);
    const id = paymentId();
    const auth = await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_approve' });
    if (auth.outcome !== 'authorized') throw new Error('expected an authorization');
    const started = Date.now();
    const answer = slow.capture(auth.providerRef, eur(1000));
    await until(async () => (await ledger(id))?.state === 'captured');
    expect(Date.now() - started).toBeLessThan(150);
    await answer;
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('a void of a declined payment holds nothing and succeeds', async () => {
    const id = paymentId();
    await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_decline' });
    await gateway.void(id);
    expect(await ledger(id)).toMatchObject({ state: 'declined' });
  });
});
