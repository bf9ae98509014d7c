import { Conflict } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';
import { capture, type Payment, type PaymentEvent, PaymentNotFound, refund, voidPayment } from './payment';

/** What the provider reports on its own (a webhook), in the payment context's words. */
export type ProviderReport =
  | { type: 'authorized'; providerRef: string; amount: Money }
  | { type: 'declined'; reason: string }
  | { type: 'captured'; amount: Money }
  | { type: 'voided' }
  | { type: 'refunded'; amount: Money; refundId: string };

/** The report cannot follow what the payment has recorded: not yet (it came out of order), or not at all. */
export class ProviderReportNotApplicable extends Conflict {
  constructor(orderId: string, report: ProviderReport['type'], status: Payment['status']) {
    super('payment.webhook_not_applicable', `a ${report} report cannot follow a payment that is ${status}`, { orderId, report, status });
  }
}

/**
 * Records what the provider reports with the same decisions as its synchronous answers, so a fact learned both ways
 * (a webhook racing the answer of the call that caused it) is recorded once:
 * - a fact already recorded is a no-op;
 * - a payment nothing is recorded for yet is unknown (its authorization answer records it first);
 * - money held that the payment had given up on (authorized after a decline or a failure) is recorded, so the
 *   checkout, which has failed, voids it;
 * - a report the payment cannot follow (captured before it is authorized here, refunded before captured, a
 *   contradiction) is refused, and the provider's redelivery is decided again later.
 */
export const reconcile = (state: Payment, cmd: { orderId: string; report: ProviderReport }): PaymentEvent[] => {
  const { orderId, report } = cmd;
  if (state.status === 'none') throw new PaymentNotFound(orderId);
  const notApplicable = () => new ProviderReportNotApplicable(orderId, report.type, state.status);
  switch (report.type) {
    case 'authorized':
      return state.status === 'declined' || state.status === 'failed'
        ? [{ type: 'PaymentAuthorized', data: { orderId, providerRef: report.providerRef, amount: report.amount } }]
        : [];
    case 'declined': // every recorded status already is an answer to the authorization
      return [];
    case 'captured':
      if (state.status !== 'authorized' && state.status !== 'captured') throw notApplicable();
      return capture(state, { orderId, amount: report.amount });
    case 'voided':
      if (state.status === 'captured') throw notApplicable();
      return voidPayment(state, { orderId });
    case 'refunded': {
      const decided = refund(state, { orderId, amount: report.amount, refundId: report.refundId });
      if (decided.some((e) => e.type === 'PaymentRefundRejected')) throw notApplicable();
      return decided;
    }
  }
};
