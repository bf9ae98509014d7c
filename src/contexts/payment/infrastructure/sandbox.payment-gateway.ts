import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { Database } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import { type Authorization, type AuthorizeRequest, PaymentGateway, PaymentRefused } from '../application/ports';
import { sandboxEventId, type SandboxWebhookEvent, type SandboxWebhookType } from './sandbox.webhooks';

/** The provider failed to process a request (the sandbox's `tok_error`): worth retrying. */
export class SandboxProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxProviderError';
  }
}

export const SANDBOX_TOKENS = { approve: 'tok_approve', decline: 'tok_decline', error: 'tok_error', slow: 'tok_slow' } as const;

type PaymentRow = {
  state: 'authorized' | 'declined' | 'captured' | 'voided' | 'refunded';
  provider_ref: string | null;
  amount: string | null;
  currency: string | null;
  captured: string;
};

type ReportRow = PaymentRow & { created_at: Date; authorized_at: Date | null; captured_at: Date | null; voided_at: Date | null };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A payment provider for development and tests that behaves like a real one, with its own ledger in schema
 * `payment_sandbox`, idempotent by payment id. Tokens: `tok_approve` authorizes; `tok_decline` is declined;
 * `tok_error` fails every attempt; `tok_slow` answers (and authorizes) only after PAYMENT_PROVIDER_TIMEOUT_MS + 1 s.
 * Any other token is declined as invalid. A void that comes before the authorization is remembered, and the late
 * authorization is voided at once; a voided payment is never captured. Refunds are partial, each made once per refund
 * id (an id already used for another refund is refused). With PAYMENT_SANDBOX_LATENCY_MS > 0 every authorization and
 * capture is recorded in the ledger first and answered that much later, like a provider whose reply is slow on the way
 * back (fault-injection tests crash the caller in that window; webhook tests deliver the provider's event in it).
 * `webhookEvents` reports what the ledger recorded as the provider's webhook events (`sandbox.webhooks.ts`).
 */
@Injectable()
export class SandboxPaymentGateway extends PaymentGateway {
  readonly slowDelayMs: number;
  readonly latencyMs: number;

  constructor(
    private readonly db: Database,
    config: Config,
  ) {
    super();
    this.slowDelayMs = config.paymentProviderTimeoutMs + 1000;
    this.latencyMs = config.paymentSandboxLatencyMs;
  }

  async authorize({ paymentId, amount, token }: AuthorizeRequest): Promise<Authorization> {
    if (token === SANDBOX_TOKENS.error) throw new SandboxProviderError('sandbox: the provider is unavailable');
    if (token === SANDBOX_TOKENS.slow) await sleep(this.slowDelayMs);
    if (token !== SANDBOX_TOKENS.approve && token !== SANDBOX_TOKENS.slow && token !== SANDBOX_TOKENS.decline) {
      return { outcome: 'declined', reason: 'invalid_token' };
    }
    const approved = token !== SANDBOX_TOKENS.decline;
    // first answer wins (idempotency); a remembered void keeps the late authorization voided
    const { rows } = await this.db.query<PaymentRow>(
      `insert into payment_sandbox.payments (payment_id, state, provider_ref, amount, currency, authorized_at)
       values ($1, $2, $3, $4, $5, case when $2 = 'authorized' then now() end)
       on conflict (payment_id) do update
         set provider_ref = coalesce(payments.provider_ref, excluded.provider_ref),
             amount = coalesce(payments.amount, excluded.amount),
             currency = coalesce(payments.currency, excluded.currency),
             updated_at = now()
       returning state, provider_ref, amount, currency, captured`,
      [paymentId, approved ? 'authorized' : 'declined', approved ? `sbx_${randomUUID()}` : null, amount.amount, amount.currency],
    );
    const row = rows[0];
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (row.state === 'declined') return { outcome: 'declined', reason: 'card_declined' };
    if (row.state === 'voided') return { outcome: 'declined', reason: 'voided' };
    return { outcome: 'authorized', providerRef: row.provider_ref! };
  }

  async capture(providerRef: string, amount: Money): Promise<void> {
    const { rowCount } = await this.db.query(
      `update payment_sandbox.payments set state = 'captured', captured = $2, captured_at = now(), updated_at = now()
       where provider_ref = $1 and state = 'authorized' and currency = $3 and $2 <= amount`,
      [providerRef, amount.amount, amount.currency],
    );
    if (rowCount === 1) {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      return;
    }
    const row = await this.find('provider_ref', providerRef);
    if (row && (row.state === 'captured' || row.state === 'refunded') && Number(row.captured) === amount.amount) return; // captured before
    throw new PaymentRefused(row ? `sandbox: cannot capture ${amount.amount} of a ${row.state} payment` : 'sandbox: unknown payment');
  }

  async void(paymentId: string): Promise<void> {
    const { rowCount } = await this.db.query(
      `insert into payment_sandbox.payments (payment_id, state, voided_at) values ($1, 'voided', now())
       on conflict (payment_id) do update set state = 'voided', voided_at = coalesce(payments.voided_at, now()), updated_at = now()
       where payments.state in ('authorized', 'voided')`,
      [paymentId],
    );
    if (rowCount === 1) return;
    const row = await this.find('payment_id', paymentId);
    if (row?.state === 'declined') return; // nothing is held
    throw new PaymentRefused(`sandbox: cannot void a ${row?.state ?? 'unknown'} payment`);
  }

  async refund(providerRef: string, amount: Money, refundId: string): Promise<void> {
    if (!(amount.amount > 0)) throw new PaymentRefused('sandbox: a refund must be positive');
    await this.db.transaction(async (tx) => {
      const claimed = await tx.query(
        `insert into payment_sandbox.refunds (refund_id, provider_ref, amount) values ($1, $2, $3) on conflict do nothing`,
        [refundId, providerRef, amount.amount],
      );
      if (claimed.rowCount === 0) {
        const { rows } = await tx.query<{ provider_ref: string; amount: string }>(
          'select provider_ref, amount from payment_sandbox.refunds where refund_id = $1',
          [refundId],
        );
        if (rows[0]?.provider_ref === providerRef && Number(rows[0].amount) === amount.amount) return; // made before
        throw new PaymentRefused('sandbox: this refund id was used for another refund');
      }
      const { rowCount } = await tx.query(
        `update payment_sandbox.payments
            set refunded = refunded + $2, state = case when refunded + $2 = captured then 'refunded' else 'captured' end, updated_at = now()
          where provider_ref = $1 and state in ('captured', 'refunded') and currency = $3 and $2 > 0 and refunded + $2 <= captured`,
        [providerRef, amount.amount, amount.currency],
      );
      if (rowCount !== 1) throw new PaymentRefused('sandbox: the refund exceeds what is captured');
    });
  }

  /** The provider's webhook events for what its ledger recorded about a payment, in the order they happened. */
  async webhookEvents(paymentId: string): Promise<SandboxWebhookEvent[]> {
    const { rows } = await this.db.query<ReportRow>(
      `select state, provider_ref, amount, currency, captured, created_at, authorized_at, captured_at, voided_at
         from payment_sandbox.payments where payment_id = $1`,
      [paymentId],
    );
    const row = rows[0];
    if (!row) return [];
    const created = (at: Date) => Math.floor(at.getTime() / 1000);
    const event = <T extends SandboxWebhookType>(
      type: T,
      at: Date,
      data: Omit<Extract<SandboxWebhookEvent, { type: T }>['data'], 'paymentId'>,
      refundId?: string,
    ) =>
      ({ id: sandboxEventId(paymentId, type, refundId), type, created: created(at), data: { paymentId, ...data } }) as SandboxWebhookEvent;
    const currency = row.currency ?? 'EUR';
    const amount = Number(row.amount ?? 0);
    const providerRef = row.provider_ref ?? '';
    const events: SandboxWebhookEvent[] = [];
    if (row.state === 'declined') events.push(event('payment.declined', row.created_at, { reason: 'card_declined', amount, currency }));
    if (!row.authorized_at) return events; // a void before any authorization released nothing
    events.push(event('payment.authorized', row.authorized_at, { providerRef, amount, currency }));
    if (row.captured_at) events.push(event('payment.captured', row.captured_at, { providerRef, amount: Number(row.captured), currency }));
    if (row.voided_at) events.push(event('payment.voided', row.voided_at, { providerRef, amount, currency }));
    const refunds = await this.db.query<{ refund_id: string; amount: string; created_at: Date }>(
      'select refund_id, amount, created_at from payment_sandbox.refunds where provider_ref = $1 order by created_at, refund_id',
      [providerRef],
    );
    for (const refund of refunds.rows) {
      const data = { providerRef, refundId: refund.refund_id, amount: Number(refund.amount), currency };
      events.push(event('payment.refunded', refund.created_at, data, refund.refund_id));
    }
    return events;
  }

  private async find(column: 'payment_id' | 'provider_ref', value: string): Promise<PaymentRow | undefined> {
    const { rows } = await this.db.query<PaymentRow>(
      `select state, provider_ref, amount, currency, captured from payment_sandbox.payments where ${column} = $1`,
      [value],
    );
    return rows[0];
  }
}
