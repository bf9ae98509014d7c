import { Conflict, NotFound } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';

/**
 * One payment per order, stream `payment.payment-<orderId>`; the order id is also the payment id the provider
 * uses as idempotency key. Provider outcomes a caller branches on (declined, failed, a refused refund) are events,
 * not exceptions. The provider's synchronous answers and its webhooks (`provider-report.ts`) are decided on the same
 * state, so a fact learned both ways is recorded once.
 */

export type FailureReason = 'provider_error' | 'timeout' | 'capture_refused';
export type RefundRejection = 'not_captured' | 'exceeds_captured' | 'invalid_amount' | 'provider_refused';

/* `amount` on declined, failed and voided, `refundId` and `totalRefunded` on refunded: absent on older events. */
export type PaymentAuthorized = { type: 'PaymentAuthorized'; data: { orderId: string; providerRef: string; amount: Money } };
export type PaymentDeclined = { type: 'PaymentDeclined'; data: { orderId: string; reason: string; amount?: Money } };
/** The provider could not be reached or answered too late, or would not capture (capture_refused); `operation` says which call. */
export type PaymentFailed = {
  type: 'PaymentFailed';
  data: { orderId: string; reason: FailureReason; operation: 'authorize' | 'capture'; amount?: Money };
};
export type PaymentCaptured = { type: 'PaymentCaptured'; data: { orderId: string; amount: Money } };
/** `amount`: the authorization released (absent when the void came before any authorization). */
export type PaymentVoided = { type: 'PaymentVoided'; data: { orderId: string; amount?: Money } };
export type PaymentRefunded = {
  type: 'PaymentRefunded';
  data: { orderId: string; amount: Money; refundId?: string; totalRefunded?: Money };
};
/** A refund that was not made; nothing moved. */
export type PaymentRefundRejected = {
  type: 'PaymentRefundRejected';
  data: { orderId: string; amount: Money; refundId: string; reason: RefundRejection };
};
export type PaymentEvent =
  PaymentAuthorized | PaymentDeclined | PaymentFailed | PaymentCaptured | PaymentVoided | PaymentRefunded | PaymentRefundRejected;

export const PAYMENT_EVENT_TYPES: readonly PaymentEvent['type'][] = [
  'PaymentAuthorized',
  'PaymentDeclined',
  'PaymentFailed',
  'PaymentCaptured',
  'PaymentVoided',
  'PaymentRefunded',
  'PaymentRefundRejected',
];

export type Payment =
  | { status: 'none' }
  | { status: 'authorized'; providerRef: string; authorized: Money }
  | { status: 'captured'; providerRef: string; captured: Money; refunded: number; refundIds: readonly string[] }
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
        ? { status: 'captured', providerRef: state.providerRef, captured: event.data.amount, refunded: 0, refundIds: [] }
        : state;
    case 'PaymentVoided':
      return { status: 'voided' };
    case 'PaymentRefunded': {
      if (state.status !== 'captured') return state;
      const { amount, refundId } = event.data;
      return { ...state, refunded: state.refunded + amount.amount, refundIds: refundId ? [...state.refundIds, refundId] : state.refundIds };
    }
    case 'PaymentRefundRejected':
      return state;
  }
};

export const paymentDecider = { initialState, evolve };
export const paymentStream = (orderId: string): string => `payment.payment-${orderId}`;
/** The refund id of the checkout's compensation (a refund command without one): named by the order, so it is made once. */
export const compensationRefundId = (orderId: string): string => orderId;

export class PaymentNotFound extends NotFound {
  constructor(orderId: string) {
    super('payment.payment_not_found', 'no payment is known for this order', { orderId });
  }
}
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

/** What the provider answered to an authorization, as the payment context records it. */
export type AuthorizationOutcome =
  { outcome: 'authorized'; providerRef: string } | { outcome: 'declined'; reason: string } | { outcome: 'failed'; reason: FailureReason };

/**
 * What the provider answered to a capture asked right after the authorization (capture at once): captured, or not
 * captured for `reason`, after which the authorization was voided there.
 */
export type ImmediateCaptureOutcome = { outcome: 'captured' } | { outcome: 'voided'; reason: FailureReason };

/**
 * Records the provider's answer; a payment already settled (answered before, or voided) ignores a late answer.
 * With `capture` (captured at once, in the same provider round) it records the capture's answer too, by the same
 * rules as a capture asked apart: PaymentCaptured, or PaymentFailed (operation capture) and PaymentVoided, so no
 * money stays held for a checkout that will fail.
 */
export const authorize = (
  state: Payment,
  cmd: { orderId: string; amount: Money; result: AuthorizationOutcome; capture?: ImmediateCaptureOutcome },
): PaymentEvent[] => {
  const answered = authorizationAnswer(state, cmd);
  const authorized = answered.reduce(evolve, state);
  if (!cmd.capture || authorized.status !== 'authorized') return answered;
  if (cmd.capture.outcome === 'captured') return [...answered, ...capture(authorized, cmd)];
  return [...answered, captureFailed(cmd, cmd.capture.reason), ...voidPayment(authorized, cmd)];
};

const authorizationAnswer = (state: Payment, cmd: { orderId: string; amount: Money; result: AuthorizationOutcome }): PaymentEvent[] => {
  if (state.status !== 'none') return [];
  const { orderId, amount, result } = cmd;
  switch (result.outcome) {
    case 'authorized':
      return [{ type: 'PaymentAuthorized', data: { orderId, providerRef: result.providerRef, amount } }];
    case 'declined':
      return [{ type: 'PaymentDeclined', data: { orderId, reason: result.reason, amount } }];
    case 'failed':
      return [{ type: 'PaymentFailed', data: { orderId, reason: result.reason, operation: 'authorize', amount } }];
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

/** The provider would not capture (e.g. the authorization was voided there first, as it may have reported). */
export const refuseCapture = (state: Payment, cmd: { orderId: string; amount: Money }): PaymentFailed[] =>
  state.status === 'authorized' || state.status === 'voided' ? [captureFailed(cmd, 'capture_refused')] : [];

const captureFailed = (cmd: { orderId: string; amount: Money }, reason: FailureReason): PaymentFailed => ({
  type: 'PaymentFailed',
  data: { orderId: cmd.orderId, reason, operation: 'capture', amount: cmd.amount },
});

/**
 * Releases an authorization. Voiding before any answer is known is allowed: the provider remembers it and voids a
 * late authorization. Money already captured is refunded instead.
 */
export const voidPayment = (state: Payment, cmd: { orderId: string }): PaymentVoided[] => {
  switch (state.status) {
    case 'none':
      return [{ type: 'PaymentVoided', data: { orderId: cmd.orderId } }];
    case 'authorized':
      return [{ type: 'PaymentVoided', data: { orderId: cmd.orderId, amount: state.authorized } }];
    case 'voided':
    case 'declined':
    case 'failed':
      return [];
    case 'captured':
      throw new PaymentNotVoidable(cmd.orderId, state.status);
  }
};

/**
 * One refund, named by `refundId`: made once (a repeat is a no-op, the first answer stands), never more than
 * captured in total. A refund that cannot be made is an event others act on, not an exception.
 */
export const refund = (
  state: Payment,
  cmd: { orderId: string; amount: Money; refundId: string },
): (PaymentRefunded | PaymentRefundRejected)[] => {
  if (state.status !== 'captured') return [rejectRefund(cmd, 'not_captured')];
  if (state.refundIds.includes(cmd.refundId)) return [];
  if (cmd.amount.currency !== state.captured.currency || cmd.amount.amount <= 0) return [rejectRefund(cmd, 'invalid_amount')];
  const total = state.refunded + cmd.amount.amount;
  if (total > state.captured.amount) return [rejectRefund(cmd, 'exceeds_captured')];
  return [
    {
      type: 'PaymentRefunded',
      data: { ...cmd, totalRefunded: { amount: total, currency: state.captured.currency } },
    },
  ];
};

/** The provider refused a refund the payment allowed (e.g. its refund id names another payment there). */
export const refuseRefund = (state: Payment, cmd: { orderId: string; amount: Money; refundId: string }): PaymentRefundRejected[] =>
  state.status === 'captured' && state.refundIds.includes(cmd.refundId) ? [] : [rejectRefund(cmd, 'provider_refused')];

const rejectRefund = (cmd: { orderId: string; amount: Money; refundId: string }, reason: RefundRejection): PaymentRefundRejected => ({
  type: 'PaymentRefundRejected',
  data: { orderId: cmd.orderId, amount: cmd.amount, refundId: cmd.refundId, reason },
});
