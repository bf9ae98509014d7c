import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Money } from '../../../shared-kernel/money';
import { authorize, paymentDecider, paymentStream, type AuthorizationOutcome, type ImmediateCaptureOutcome } from '../domain/payment';
import { type CommitOnce, PaymentGateway } from './ports';
import { callProvider, providerPolicy } from './provider-call';

/** `capture: 'immediate'`: capture right after the authorization; absent or `on_confirmation`: authorize only. */
export type AuthorizePayment = { orderId: string; amount: Money; paymentToken: string; capture?: 'immediate' | 'on_confirmation' };

/**
 * Asks the provider to authorize (idempotent by payment id = order id), retrying provider errors a bounded number
 * of times, and with an immediate capture captures at once; then records every answer in one append: PaymentAuthorized
 * (and PaymentCaptured, or PaymentFailed and PaymentVoided), PaymentDeclined or PaymentFailed. A provider that does not
 * answer in time is told to void, so an authorization that lands later is voided there.
 */
@Injectable()
export class AuthorizePaymentHandler {
  constructor(
    private readonly events: EventStore,
    private readonly gateway: PaymentGateway,
    private readonly config: Config,
  ) {}

  async execute(cmd: AuthorizePayment, meta: CommandMeta, commitOnce: CommitOnce): Promise<void> {
    const stream = paymentStream(cmd.orderId);
    const { state } = await this.events.aggregate(stream, paymentDecider);
    if (state.status !== 'none') return; // answered before, or voided before any answer
    const result = await this.authorizeAtProvider(cmd);
    const capture =
      result.outcome === 'authorized' && cmd.capture === 'immediate' ? await this.captureAtProvider(cmd, result.providerRef) : undefined;
    const decision = { orderId: cmd.orderId, amount: cmd.amount, result, capture };
    await commitOnce(async (tx) => {
      await this.events.decide(stream, paymentDecider, (s) => authorize(s, decision), meta, { tx });
    });
  }

  private async authorizeAtProvider(cmd: AuthorizePayment): Promise<AuthorizationOutcome> {
    const policy = providerPolicy(this.config);
    const call = await callProvider(
      'authorize',
      () => this.gateway.authorize({ paymentId: cmd.orderId, amount: cmd.amount, token: cmd.paymentToken }),
      policy,
    );
    if (call.ok) return call.value;
    if (call.reason === 'refused') return { outcome: 'declined', reason: 'refused' };
    // Timed out or errored: the provider may still have authorized (and hold the customer's money), so void by
    // payment id; a provider remembers a void that comes before its authorization.
    {
      const voided = await callProvider('void', () => this.gateway.void(cmd.orderId), policy);
      // not voided: throw, so the message comes again and the provider is asked again (it answers from its ledger)
      if (!voided.ok && voided.reason !== 'refused') throw voided.error;
    }
    return { outcome: 'failed', reason: call.reason };
  }

  /**
   * Captures what was just authorized. A capture that does not happen (refused, errored, timed out) voids the
   * authorization, so the money is not held for a checkout that fails. A void that does not happen either throws: the
   * message comes again and both calls are made again, answered from the provider's ledger (a capture that landed
   * after all, which is why the provider refused the void, is then recorded as captured).
   */
  private async captureAtProvider(cmd: AuthorizePayment, providerRef: string): Promise<ImmediateCaptureOutcome> {
    const policy = providerPolicy(this.config);
    const captured = await callProvider('capture', () => this.gateway.capture(providerRef, cmd.amount), policy);
    if (captured.ok) return { outcome: 'captured' };
    const voided = await callProvider('void', () => this.gateway.void(cmd.orderId), policy);
    if (!voided.ok) throw voided.error;
    return { outcome: 'voided', reason: captured.reason === 'refused' ? 'capture_refused' : captured.reason };
  }
}
