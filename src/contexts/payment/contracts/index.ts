/**
 * Payment's public contract: the commands it accepts on the bus and the integration events it publishes.
 * One payment per order: `orderId` is also the payment id (the provider's idempotency key).
 * Wire names are versioned; consumers must tolerate extra fields.
 */
import type { Money } from '../../../shared-kernel/money';

export const PaymentMessages = {
  authorizePayment: 'payment.authorize-payment.v1',
  capturePayment: 'payment.capture-payment.v1',
  voidPayment: 'payment.void-payment.v1',
  refundPayment: 'payment.refund-payment.v1',
  paymentAuthorized: 'payment.payment-authorized.v1',
  paymentDeclined: 'payment.payment-declined.v1',
  paymentFailed: 'payment.payment-failed.v1',
  paymentCaptured: 'payment.payment-captured.v1',
  paymentVoided: 'payment.payment-voided.v1',
  paymentRefunded: 'payment.payment-refunded.v1',
  refundRejected: 'payment.refund-rejected.v1',
} as const;

/**
 * Command: authorize `amount` with a provider token (never a card number). Answered by authorized, declined or failed.
 * `capture` (optional, the merchant's setting): `immediate` captures right after the authorization, in the same
 * provider round, and answers captured as well (after authorized), or failed (operation 'capture') and voided: the
 * authorization is released, never left held. Absent (messages sent before it existed) or `on_confirmation`: authorize
 * only; the capture is asked apart with `payment.capture-payment.v1`.
 */
export type AuthorizePaymentV1 = { orderId: string; amount: Money; paymentToken: string; capture?: 'immediate' | 'on_confirmation' };
/** Command: capture an authorized payment. Answered by captured, or failed (operation 'capture'). */
export type CapturePaymentV1 = { orderId: string; amount: Money };
/** Command: release the authorization; valid before the authorization's answer is known. Answered by voided. */
export type VoidPaymentV1 = { orderId: string };
/**
 * Command: give captured money back. Answered by refunded, or refund-rejected when it would exceed what is left of
 * the capture. `refundId` names one refund (partial refunds each have their own; a repeat of one refund is a no-op);
 * without it the refund is the checkout's compensation, named by the order.
 */
export type RefundPaymentV1 = { orderId: string; amount: Money; refundId?: string };

export type PaymentAuthorizedV1 = { orderId: string; amount: Money };
export type PaymentDeclinedV1 = { orderId: string; reason: string };
/**
 * `reason`: provider_error (retries exhausted), timeout (the provider did not answer in time; the payment was voided
 * there), capture_refused. A capture at once (operation 'capture') that fails for any reason is followed by voided.
 */
export type PaymentFailedV1 = {
  orderId: string;
  reason: 'provider_error' | 'timeout' | 'capture_refused';
  operation: 'authorize' | 'capture';
};
export type PaymentCapturedV1 = { orderId: string; amount: Money };
export type PaymentVoidedV1 = { orderId: string };
/** `refundId` names the refund (the order id for the checkout's compensation); `totalRefunded` is the sum so far. Both are absent on refunds made before partial refunds existed. */
export type PaymentRefundedV1 = { orderId: string; amount: Money; refundId?: string; totalRefunded?: Money };
/**
 * The refund was not made: `reason` exceeds_captured (more than what is left of the capture), not_captured,
 * invalid_amount (zero, or another currency than the capture), provider_refused. For the checkout's compensation
 * (a refund command without `refundId`) `refundId` is the order id.
 */
export type RefundRejectedV1 = { orderId: string; amount: Money; refundId?: string; reason: string };
