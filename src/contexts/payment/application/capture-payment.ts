import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { DomainError } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';
import { capture, paymentDecider, paymentStream, refuseCapture, type PaymentCaptured } from '../domain/payment';
import { type CommitOnce, PaymentGateway } from './ports';
import { callProvider, providerPolicy } from './provider-call';

export type CapturePayment = { orderId: string; amount: Money };

/**
 * Captures an authorized payment once (a repeat does nothing), then records PaymentCaptured, or PaymentFailed
 * (capture_refused) when the provider refuses or the payment was voided. A provider error or timeout throws: the message
 * comes again and the capture, idempotent at the provider, is tried again.
 */
@Injectable()
export class CapturePaymentHandler {
  constructor(
    private readonly events: EventStore,
    private readonly gateway: PaymentGateway,
    private readonly config: Config,
  ) {}

  async execute(cmd: CapturePayment, meta: CommandMeta, commitOnce: CommitOnce): Promise<void> {
    const stream = paymentStream(cmd.orderId);
    const { state } = await this.events.aggregate(stream, paymentDecider);
    let planned: PaymentCaptured[];
    try {
      planned = capture(state, cmd);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // voided at the provider (as its webhook reported) while the capture was asked: answered as refused, so the
      // checkout fails now instead of at its deadline; declined or failed: there is nothing to capture
      if (state.status === 'voided') await this.commit(cmd, meta, commitOnce, refuseCapture);
      return;
    }
    if (planned.length === 0 || state.status !== 'authorized') return; // captured before
    const call = await callProvider('capture', () => this.gateway.capture(state.providerRef, cmd.amount), providerPolicy(this.config));
    if (!call.ok && call.reason !== 'refused') throw call.error;
    await this.commit(cmd, meta, commitOnce, call.ok ? capture : refuseCapture);
  }

  /** Decided again on the state as committed: a webhook may have recorded the capture meanwhile. */
  private async commit(cmd: CapturePayment, meta: CommandMeta, commitOnce: CommitOnce, decision: typeof capture | typeof refuseCapture) {
    await commitOnce(async (tx) => {
      await this.events.decide(paymentStream(cmd.orderId), paymentDecider, (s) => decision(s, cmd), meta, { tx });
    });
  }
}
