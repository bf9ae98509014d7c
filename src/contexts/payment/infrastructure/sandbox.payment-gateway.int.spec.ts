import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import type { Config } from '../../../platform/config';
import { PgDatabase } from '../../../platform/persistence/pg.database';
import { PaymentRefused } from '../application/ports';
import { callProvider } from '../application/provider-call';
import { paymentMigrations } from './migrations';
import { SandboxPaymentGateway, SandboxProviderError } from './sandbox.payment-gateway';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
let n = 0;
const paymentId = () => `order-${Date.now()}-${++n}`;

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
    const call = await callProvider(() => gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_error' }), {
      timeoutMs: 1000,
      attempts: 3,
      backoffMs: 1,
    });
    expect(call).toMatchObject({ ok: false, reason: 'provider_error' });
  });

  it('tok_slow answers after the provider timeout; voided in time, its late authorization is voided at once', async () => {
    const id = paymentId();
    const late = gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_slow' });
    const call = await callProvider(() => late, { timeoutMs: 100, attempts: 3, backoffMs: 1 });
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

  it('refunds up to what was captured, once per refund id', async () => {
    const id = paymentId();
    const auth = await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_approve' });
    if (auth.outcome !== 'authorized') throw new Error('expected an authorization');
    await expect(gateway.refund(auth.providerRef, eur(100), 'r-0')).rejects.toBeInstanceOf(PaymentRefused);
    await gateway.capture(auth.providerRef, eur(1000));
    await gateway.refund(auth.providerRef, eur(400), `${id}-r1`);
    await gateway.refund(auth.providerRef, eur(400), `${id}-r1`); // a repeat
    expect(await ledger(id)).toMatchObject({ state: 'captured', refunded: '400' });
    await expect(gateway.refund(auth.providerRef, eur(601), `${id}-r2`)).rejects.toBeInstanceOf(PaymentRefused);
    await gateway.refund(auth.providerRef, eur(600), `${id}-r3`);
    expect(await ledger(id)).toMatchObject({ state: 'refunded', refunded: '1000' });
  });

  it('a void of a declined payment holds nothing and succeeds', async () => {
    const id = paymentId();
    await gateway.authorize({ paymentId: id, amount: eur(1000), token: 'tok_decline' });
    await gateway.void(id);
    expect(await ledger(id)).toMatchObject({ state: 'declined' });
  });
});
