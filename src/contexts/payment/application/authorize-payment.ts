import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Money } from '../../../shared-kernel/money';
import { authorize, paymentDecider, paymentStream, type AuthorizationOutcome } from '../domain/payment';
import { type CommitOnce, PaymentGateway } from './ports';
import { callProvider, providerPolicy } from './provider-call';

export type AuthorizePayment = { orderId: string; amount: Money; paymentToken: string };

/**
 * Asks the provider to authorize (idempotent by payment id = order id), retrying provider errors a bounded number
 * of times, then records the answer: PaymentAuthorized, PaymentDeclined or PaymentFailed. A provider that does not
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
    await commitOnce(async (tx) => {
      await this.events.decide(stream, paymentDecider, (s) => authorize(s, { orderId: cmd.orderId, amount: cmd.amount, result }), meta, {
        tx,
      });
    });
  }

  private async authorizeAtProvider(cmd: AuthorizePayment): Promise<AuthorizationOutcome> {
    const policy = providerPolicy(this.config);
    const call = await callProvider(
      () => this.gateway.authorize({ paymentId: cmd.orderId, amount: cmd.amount, token: cmd.paymentToken }),
      policy,
    );
    if (call.ok) return call.value;
    if (call.reason === 'refused') return { outcome: 'declined', reason: 'refused' };
    // Timed out or errored: the provider may still have authorized (and hold the customer's money), so void by
    // payment id; a provider remembers a void that comes before its authorization.
    {
      const voided = await callProvider(() => this.gateway.void(cmd.orderId), policy);
      // not voided: throw, so the message comes again and the provider is asked again (it answers from its ledger)
      if (!voided.ok && voided.reason !== 'refused') throw voided.error;
    }
    return { outcome: 'failed', reason: call.reason };
  }
}
