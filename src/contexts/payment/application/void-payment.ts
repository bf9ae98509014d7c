import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { DomainError } from '../../../shared-kernel/errors';
import { paymentDecider, paymentStream, voidPayment, type PaymentVoided } from '../domain/payment';
import { type CommitOnce, PaymentGateway } from './ports';
import { callProvider, providerPolicy } from './provider-call';

export type VoidPayment = { orderId: string };

/**
 * Releases the authorization at the provider (also before its answer is known: the provider voids a late one),
 * then records PaymentVoided. Money already captured is not voided: the checkout asks for a refund when it hears
 * of the capture.
 */
@Injectable()
export class VoidPaymentHandler {
  constructor(
    private readonly events: EventStore,
    private readonly gateway: PaymentGateway,
    private readonly config: Config,
  ) {}

  async execute(cmd: VoidPayment, meta: CommandMeta, commitOnce: CommitOnce): Promise<void> {
    const stream = paymentStream(cmd.orderId);
    const { state } = await this.events.aggregate(stream, paymentDecider);
    let planned: PaymentVoided[];
    try {
      planned = voidPayment(state, cmd);
    } catch (error) {
      if (error instanceof DomainError) return; // captured: refunded instead
      throw error;
    }
    if (planned.length === 0) return; // nothing held, or voided before
    const call = await callProvider('void', () => this.gateway.void(cmd.orderId), providerPolicy(this.config));
    if (!call.ok) {
      if (call.reason === 'refused') return; // captured at the provider meanwhile: its capture is reported and refunded
      throw call.error;
    }
    await commitOnce(async (tx) => {
      await this.events.decide(stream, paymentDecider, (s) => voidPayment(s, cmd), meta, { tx });
    });
  }
}
