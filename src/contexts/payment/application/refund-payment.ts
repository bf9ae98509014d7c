import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Money } from '../../../shared-kernel/money';
import {
  compensationRefundId,
  type Payment,
  paymentDecider,
  type PaymentEvent,
  paymentStream,
  refund,
  refuseRefund,
} from '../domain/payment';
import { type CommitOnce, PaymentGateway } from './ports';
import { callProvider, providerPolicy } from './provider-call';

/** Without `refundId` the refund is the checkout's compensation, named by the order. */
export type RefundPayment = { orderId: string; amount: Money; refundId?: string };

/**
 * Gives captured money back, once per refund id and never more than captured in total. The provider is asked with
 * the refund id as idempotency key, then PaymentRefunded is recorded (with the total refunded so far); a refund the
 * payment or the provider refuses is recorded as PaymentRefundRejected. Provider errors throw so the message comes
 * again. A repeated refund id changes nothing: its first answer stands.
 */
@Injectable()
export class RefundPaymentHandler {
  constructor(
    private readonly events: EventStore,
    private readonly gateway: PaymentGateway,
    private readonly config: Config,
  ) {}

  async execute(cmd: RefundPayment, meta: CommandMeta, commitOnce: CommitOnce): Promise<void> {
    const request = { orderId: cmd.orderId, amount: cmd.amount, refundId: cmd.refundId ?? compensationRefundId(cmd.orderId) };
    const stream = paymentStream(cmd.orderId);
    const { state } = await this.events.aggregate(stream, paymentDecider);
    const planned = refund(state, request);
    if (planned.length === 0) return; // made before
    let decision: (state: Payment, req: typeof request) => PaymentEvent[] = refund;
    if (planned[0].type === 'PaymentRefunded' && state.status === 'captured') {
      const call = await callProvider(
        'refund',
        () => this.gateway.refund(state.providerRef, request.amount, request.refundId),
        providerPolicy(this.config),
      );
      if (!call.ok && call.reason !== 'refused') throw call.error;
      if (!call.ok) decision = refuseRefund;
    }
    // decided again on the state as committed: a webhook may have recorded this refund meanwhile
    await commitOnce(async (tx) => {
      await this.events.decide(stream, paymentDecider, (s) => decision(s, request), meta, { tx });
    });
  }
}
