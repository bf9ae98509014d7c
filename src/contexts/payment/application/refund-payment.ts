import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { DomainError } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';
import { paymentDecider, paymentStream, refund } from '../domain/payment';
import { type CommitOnce, PaymentGateway } from './ports';
import { callProvider, providerPolicy } from './provider-call';

export type RefundPayment = { orderId: string; amount: Money; refundId: string };

/**
 * Gives captured money back, never more than captured in total; the refund id (the id of the message that asked)
 * makes a repeat a no-op at the provider. Records PaymentRefunded; provider errors throw so the message comes again.
 */
@Injectable()
export class RefundPaymentHandler {
  constructor(
    private readonly events: EventStore,
    private readonly gateway: PaymentGateway,
    private readonly config: Config,
  ) {}

  async execute(cmd: RefundPayment, meta: CommandMeta, commitOnce: CommitOnce): Promise<void> {
    const stream = paymentStream(cmd.orderId);
    const { state } = await this.events.aggregate(stream, paymentDecider);
    try {
      refund(state, cmd);
    } catch (error) {
      if (error instanceof DomainError) return; // not captured, or already refunded in full
      throw error;
    }
    if (state.status !== 'captured') return;
    const call = await callProvider(() => this.gateway.refund(state.providerRef, cmd.amount, cmd.refundId), providerPolicy(this.config));
    if (!call.ok) throw call.error;
    await commitOnce(async (tx) => {
      await this.events.decide(stream, paymentDecider, (s) => refund(s, cmd), meta, { tx });
    });
  }
}
