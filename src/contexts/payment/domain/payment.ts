import { Conflict } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';

/**
 * One payment per order, stream `payment.payment-<orderId>`; the order id is also the payment id the provider
 * uses as idempotency key. Provider outcomes a caller branches on (declined, failed) are events, not exceptions.
 */

export type FailureReason = 'provider_error' | 'timeout' | 'capture_refused';

export type PaymentAuthorized = { type: 'PaymentAuthorized'; data: { orderId: string; providerRef: string; amount: Money } };
export type PaymentDeclined = { type: 'PaymentDeclined'; data: { orderId: string; reason: string } };
/** The provider could not be reached or answered too late (authorize), or would not capture (capture). */
export type PaymentFailed = { type: 'PaymentFailed'; data: { orderId: string; reason: FailureReason; operation: 'authorize' | 'capture' } };
export type PaymentCaptured = { type: 'PaymentCaptured'; data: { orderId: string; amount: Money } };
export type PaymentVoided = { type: 'PaymentVoided'; data: { orderId: string } };
export type PaymentRefunded = { type: 'PaymentRefunded'; data: { orderId: string; amount: Money } };
export type PaymentEvent = PaymentAuthorized | PaymentDeclined | PaymentFailed | PaymentCaptured | PaymentVoided | PaymentRefunded;

export type Payment =
  | { status: 'none' }
  | { status: 'authorized'; providerRef: string; authorized: Money }
  | { status: 'captured'; providerRef: string; captured: Money; refunded: number }
  | { status: 'voided' }
  | { status: 'declined' }
  | { status: 'failed' };

export const initialState = (): Payment => ({ status: 'none' });

export const evolve = (state: Payment, event: PaymentEvent): Payment => {
  switch (event.type) {
    case 'PaymentAuthorized':
      return { status: 'authorized', providerRef: event.data.providerRef, authorized: event.data.amount };
    case 'PaymentDeclined':
      return { status: 'declined' };
    case 'PaymentFailed': // a refused capture leaves the authorization as it was
      return event.data.operation === 'authorize' ? { status: 'failed' } : state;
    case 'PaymentCaptured':
      return state.status === 'authorized'
        ? { status: 'captured', providerRef: state.providerRef, captured: event.data.amount, refunded: 0 }
        : state;
    case 'PaymentVoided':
      return { status: 'voided' };
    case 'PaymentRefunded':
      return state.status === 'captured' ? { ...state, refunded: state.refunded + event.data.amount.amount } : state;
  }
};

export const paymentDecider = { initialState, evolve };
export const paymentStream = (orderId: string): string => `payment.payment-${orderId}`;

export class PaymentNotCapturable extends Conflict {
  constructor(orderId: string, status: string) {
    super('payment.payment_not_capturable', `cannot capture a payment that is ${status}`, { orderId, status });
  }
}
export class CaptureExceedsAuthorization extends Conflict {
  constructor(orderId: string) {
    super('payment.capture_exceeds_authorization', 'cannot capture more than was authorized', { orderId });
  }
}
export class PaymentNotVoidable extends Conflict {
  constructor(orderId: string, status: string) {
    super('payment.payment_not_voidable', `cannot void a payment that is ${status}`, { orderId, status });
  }
}
export class PaymentNotRefundable extends Conflict {
  constructor(orderId: string, status: string) {
    super('payment.payment_not_refundable', `cannot refund a payment that is ${status}`, { orderId, status });
  }
}
export class RefundExceedsCapture extends Conflict {
  constructor(orderId: string) {
    super('payment.refund_exceeds_capture', 'cannot refund more than was captured', { orderId });
  }
}

/** What the provider answered to an authorization, as the payment context records it. */
export type AuthorizationOutcome =
  { outcome: 'authorized'; providerRef: string } | { outcome: 'declined'; reason: string } | { outcome: 'failed'; reason: FailureReason };

/** Records the provider's answer; a payment already settled (answered before, or voided) ignores a late answer. */
export const authorize = (state: Payment, cmd: { orderId: string; amount: Money; result: AuthorizationOutcome }): PaymentEvent[] => {
  if (state.status !== 'none') return [];
  const { orderId, amount, result } = cmd;
  switch (result.outcome) {
    case 'authorized':
      return [{ type: 'PaymentAuthorized', data: { orderId, providerRef: result.providerRef, amount } }];
    case 'declined':
      return [{ type: 'PaymentDeclined', data: { orderId, reason: result.reason } }];
    case 'failed':
      return [{ type: 'PaymentFailed', data: { orderId, reason: result.reason, operation: 'authorize' } }];
  }
};

/** Never twice (a repeat is a no-op), never after a void, never more than authorized. */
export const capture = (state: Payment, cmd: { orderId: string; amount: Money }): PaymentCaptured[] => {
  if (state.status === 'captured') return [];
  if (state.status !== 'authorized') throw new PaymentNotCapturable(cmd.orderId, state.status);
  if (cmd.amount.currency !== state.authorized.currency || cmd.amount.amount > state.authorized.amount || cmd.amount.amount < 0) {
    throw new CaptureExceedsAuthorization(cmd.orderId);
  }
  return [{ type: 'PaymentCaptured', data: { orderId: cmd.orderId, amount: cmd.amount } }];
};

/** The provider would not capture (e.g. the authorization was voided there first). */
export const refuseCapture = (state: Payment, cmd: { orderId: string }): PaymentFailed[] =>
  state.status === 'authorized'
    ? [{ type: 'PaymentFailed', data: { orderId: cmd.orderId, reason: 'capture_refused', operation: 'capture' } }]
    : [];

/**
 * Releases an authorization. Voiding before any answer is known is allowed: the provider remembers it and voids a
 * late authorization. Money already captured is refunded instead.
 */
export const voidPayment = (state: Payment, cmd: { orderId: string }): PaymentVoided[] => {
  switch (state.status) {
    case 'none':
    case 'authorized':
      return [{ type: 'PaymentVoided', data: { orderId: cmd.orderId } }];
    case 'voided':
    case 'declined':
    case 'failed':
      return [];
    case 'captured':
      throw new PaymentNotVoidable(cmd.orderId, state.status);
  }
};

/** Never more than captured, in total over every refund. */
export const refund = (state: Payment, cmd: { orderId: string; amount: Money }): PaymentRefunded[] => {
  if (state.status !== 'captured') throw new PaymentNotRefundable(cmd.orderId, state.status);
  if (
    cmd.amount.currency !== state.captured.currency ||
    cmd.amount.amount <= 0 ||
    state.refunded + cmd.amount.amount > state.captured.amount
  ) {
    throw new RefundExceedsCapture(cmd.orderId);
  }
  return [{ type: 'PaymentRefunded', data: { orderId: cmd.orderId, amount: cmd.amount } }];
};
