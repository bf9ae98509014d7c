import { deciderSpec } from '../../../platform/testing/decider-spec';
import { checkoutDecider, type CancellationReason, type CheckoutEvent, type CheckoutInput, type CheckoutSettings } from './checkout';

/** The checkout decider's specs: one order's checkout stream in its stages, and every input it takes. */
export const given = deciderSpec(checkoutDecider);
export const orderId = '0190f000-0000-7000-8000-000000000001';
export const total = { amount: 4499, currency: 'EUR' };
export const lines = [{ sku: 'MUG-1', quantity: 2 }];
export const paymentToken = 'tok_approve';

export const started: CheckoutEvent = {
  type: 'CheckoutStarted',
  data: { orderId, customerId: 'c-1', lines, total, paymentToken, requestsStock: true },
};
/** How a checkout started before the start asked for the stock itself: two events. */
export const startedBefore: CheckoutEvent = { type: 'CheckoutStarted', data: { orderId, customerId: 'c-1', lines, total, paymentToken } };
export const reservationRequested: CheckoutEvent = { type: 'StockReservationRequested', data: { orderId, lines } };
export const onConfirmation: CheckoutSettings = { capture: 'on_confirmation' };
export const atOnce: CheckoutSettings = { capture: 'immediate' };
export const authorizationRequested: CheckoutEvent = {
  type: 'PaymentAuthorizationRequested',
  data: { orderId, amount: total, paymentToken, capture: 'on_confirmation' },
};
export const authorizationAndCaptureRequested: CheckoutEvent = {
  type: 'PaymentAuthorizationRequested',
  data: { orderId, amount: total, paymentToken, capture: 'immediate' },
};
export const captureRequested: CheckoutEvent = { type: 'PaymentCaptureRequested', data: { orderId, amount: total } };
export const completed: CheckoutEvent = { type: 'CheckoutCompleted', data: { orderId } };
export const failed = (reason: CancellationReason): CheckoutEvent => ({
  type: 'CheckoutFailed',
  data: { orderId, reason },
});
export const releaseRequested: CheckoutEvent = { type: 'StockReleaseRequested', data: { orderId } };
export const voidRequested: CheckoutEvent = { type: 'PaymentVoidRequested', data: { orderId } };
export const refundRequested: CheckoutEvent = { type: 'PaymentRefundRequested', data: { orderId, amount: total } };
export const voidAcknowledged: CheckoutEvent = { type: 'PaymentVoidAcknowledged', data: { orderId } };
export const refundAcknowledged: CheckoutEvent = { type: 'PaymentRefundAcknowledged', data: { orderId, amount: total } };
export const timedOut: CheckoutEvent = { type: 'CheckoutTimedOut', data: { orderId } };

export const reserving = [started];
export const authorizing = [...reserving, authorizationRequested];
export const capturing = [...authorizing, captureRequested];
export const done = [...capturing, completed];
export const authorizingAtOnce = [...reserving, authorizationAndCaptureRequested];

export const input = {
  stockReserved: { type: 'StockReserved' },
  stockRejected: { type: 'StockReservationRejected' },
  authorized: { type: 'PaymentAuthorized' },
  declined: { type: 'PaymentDeclined' },
  paymentFailed: { type: 'PaymentFailed', operation: 'authorize' },
  captureFailed: { type: 'PaymentFailed', operation: 'capture' },
  captured: { type: 'PaymentCaptured', amount: total },
  voided: { type: 'PaymentVoided' },
  refunded: { type: 'PaymentRefunded', amount: total },
  timedOut: { type: 'TimedOut' },
  cancelledByCustomer: { type: 'CancelRequested', by: 'customer' },
  cancelledByStaff: { type: 'CancelRequested', by: 'staff' },
} satisfies Record<string, CheckoutInput>;
export const every = Object.values(input) as CheckoutInput[];
