import { describe, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  authorize,
  type AuthorizationOutcome,
  type ImmediateCaptureOutcome,
  capture,
  CaptureExceedsAuthorization,
  paymentDecider,
  PaymentNotCapturable,
  PaymentNotVoidable,
  refund,
  refuseCapture,
  refuseRefund,
  voidPayment,
  type PaymentEvent,
  type RefundRejection,
} from './payment';

const given = deciderSpec(paymentDecider);
const orderId = '0190f000-0000-7000-8000-000000000001';
const amount = { amount: 4499, currency: 'EUR' };
const providerRef = 'sbx_1';

const authorized: PaymentEvent = { type: 'PaymentAuthorized', data: { orderId, providerRef, amount } };
const declined: PaymentEvent = { type: 'PaymentDeclined', data: { orderId, reason: 'card_declined', amount } };
const failed: PaymentEvent = { type: 'PaymentFailed', data: { orderId, reason: 'timeout', operation: 'authorize', amount } };
const captureRefused: PaymentEvent = { type: 'PaymentFailed', data: { orderId, reason: 'capture_refused', operation: 'capture', amount } };
const captured: PaymentEvent = { type: 'PaymentCaptured', data: { orderId, amount } };
const voided: PaymentEvent = { type: 'PaymentVoided', data: { orderId } };
const eur = (minor: number) => ({ amount: minor, currency: 'EUR' });
const refunded = (minor: number, refundId: string, total = minor): PaymentEvent => ({
  type: 'PaymentRefunded',
  data: { orderId, amount: eur(minor), refundId, totalRefunded: eur(total) },
});
const rejected = (minor: number, refundId: string, reason: RefundRejection): PaymentEvent => ({
  type: 'PaymentRefundRejected',
  data: { orderId, amount: eur(minor), refundId, reason },
});

describe('payment decider', () => {
  describe('authorize records the provider answer', () => {
    it('authorized', () =>
      given([])
        .when((s) => authorize(s, { orderId, amount, result: { outcome: 'authorized', providerRef } }))
        .then([authorized]));
    it('declined', () =>
      given([])
        .when((s) => authorize(s, { orderId, amount, result: { outcome: 'declined', reason: 'card_declined' } }))
        .then([declined]));
    it('failed', () =>
      given([])
        .when((s) => authorize(s, { orderId, amount, result: { outcome: 'failed', reason: 'timeout' } }))
        .then([failed]));
    it('ignores a second or late answer', () => {
      for (const settled of [[authorized], [declined], [failed], [voided], [authorized, captured]]) {
        given(settled)
          .when((s) => authorize(s, { orderId, amount, result: { outcome: 'authorized', providerRef: 'sbx_2' } }))
          .then([]);
      }
    });
  });

  describe('authorize with a capture at once records both answers', () => {
    const atOnce = (capture: ImmediateCaptureOutcome, result: AuthorizationOutcome = { outcome: 'authorized', providerRef }) => ({
      orderId,
      amount,
      result,
      capture,
    });
    it('authorized and captured', () =>
      given([])
        .when((s) => authorize(s, atOnce({ outcome: 'captured' })))
        .then([authorized, captured]));
    it('authorized, not captured and voided at the provider: the failed capture and the void', () =>
      given([])
        .when((s) => authorize(s, atOnce({ outcome: 'voided', reason: 'capture_refused' })))
        .then([authorized, captureRefused, { type: 'PaymentVoided', data: { orderId, amount } }]));
    it('declined or failed: the capture answer is not recorded', () => {
      given([])
        .when((s) => authorize(s, atOnce({ outcome: 'captured' }, { outcome: 'declined', reason: 'card_declined' })))
        .then([declined]);
      given([])
        .when((s) => authorize(s, atOnce({ outcome: 'captured' }, { outcome: 'failed', reason: 'timeout' })))
        .then([failed]);
    });
    it('a payment voided meanwhile records nothing more', () =>
      given([voided])
        .when((s) => authorize(s, atOnce({ outcome: 'voided', reason: 'capture_refused' })))
        .then([]));
  });

  describe('capture', () => {
    it('captures an authorized payment', () =>
      given([authorized])
        .when((s) => capture(s, { orderId, amount }))
        .then([captured]));
    it('never captures twice', () =>
      given([authorized, captured])
        .when((s) => capture(s, { orderId, amount }))
        .then([]));
    it('never captures after a void', () =>
      given([authorized, voided])
        .when((s) => capture(s, { orderId, amount }))
        .thenThrows(PaymentNotCapturable, 'payment.payment_not_capturable'));
    it('never captures what was not authorized', () => {
      for (const history of [[], [declined], [failed]])
        given(history)
          .when((s) => capture(s, { orderId, amount }))
          .thenThrows(PaymentNotCapturable);
    });
    it('never captures more than authorized', () =>
      given([authorized])
        .when((s) => capture(s, { orderId, amount: { amount: 4500, currency: 'EUR' } }))
        .thenThrows(CaptureExceedsAuthorization, 'payment.capture_exceeds_authorization'));
    it('never captures in another currency', () =>
      given([authorized])
        .when((s) => capture(s, { orderId, amount: { amount: 10, currency: 'USD' } }))
        .thenThrows(CaptureExceedsAuthorization));
    it('records a refused capture, keeping the authorization', () => {
      given([authorized])
        .when((s) => refuseCapture(s, { orderId, amount }))
        .then([captureRefused]);
      given([authorized, captureRefused]).thenState({ status: 'authorized', providerRef, authorized: amount });
    });
    it('a capture asked of a voided payment is refused', () =>
      given([authorized, voided])
        .when((s) => refuseCapture(s, { orderId, amount }))
        .then([captureRefused]));
    it('a refused capture of a payment no longer authorized is a no-op', () =>
      given([authorized, captured])
        .when((s) => refuseCapture(s, { orderId, amount }))
        .then([]));
  });

  describe('void', () => {
    it('voids an authorization, releasing its amount', () =>
      given([authorized])
        .when((s) => voidPayment(s, { orderId }))
        .then([{ type: 'PaymentVoided', data: { orderId, amount } }]));
    it('voids before the authorization is known (the provider voids a late one)', () =>
      given([])
        .when((s) => voidPayment(s, { orderId }))
        .then([voided]));
    it('is a no-op when nothing is held', () => {
      for (const history of [[voided], [declined], [failed], [authorized, voided]])
        given(history)
          .when((s) => voidPayment(s, { orderId }))
          .then([]);
    });
    it('refuses to void captured money (refund it)', () =>
      given([authorized, captured])
        .when((s) => voidPayment(s, { orderId }))
        .thenThrows(PaymentNotVoidable, 'payment.payment_not_voidable'));
  });

  describe('refund', () => {
    it('refunds captured money, with the total refunded so far', () =>
      given([authorized, captured])
        .when((s) => refund(s, { orderId, amount, refundId: 'r1' }))
        .then([refunded(4499, 'r1')]));
    it('refunds in parts, each refund id once, up to the captured amount', () => {
      given([authorized, captured, refunded(4000, 'r1')])
        .when((s) => refund(s, { orderId, amount: eur(499), refundId: 'r2' }))
        .then([refunded(499, 'r2', 4499)]);
      given([authorized, captured, refunded(4000, 'r1')]).thenState({
        status: 'captured',
        providerRef,
        captured: amount,
        refunded: 4000,
        refundIds: ['r1'],
      });
    });
    it('a repeated refund id is a no-op, whatever its amount: the first answer stands', () => {
      for (const again of [4000, 1, 499])
        given([authorized, captured, refunded(4000, 'r1')])
          .when((s) => refund(s, { orderId, amount: eur(again), refundId: 'r1' }))
          .then([]);
    });
    it('rejects what would exceed the capture, counting every refund', () => {
      given([authorized, captured, refunded(4499, 'r1')])
        .when((s) => refund(s, { orderId, amount: eur(1), refundId: 'r2' }))
        .then([rejected(1, 'r2', 'exceeds_captured')]);
      given([authorized, captured, refunded(2000, 'r1'), refunded(2000, 'r2', 4000)])
        .when((s) => refund(s, { orderId, amount: eur(500), refundId: 'r3' }))
        .then([rejected(500, 'r3', 'exceeds_captured')]);
      given([authorized, captured])
        .when((s) => refund(s, { orderId, amount: eur(4500), refundId: 'r1' }))
        .then([rejected(4500, 'r1', 'exceeds_captured')]);
    });
    it('a rejected refund id may be asked again (and is decided again)', () =>
      given([authorized, captured, refunded(4000, 'r1'), rejected(600, 'r2', 'exceeds_captured')])
        .when((s) => refund(s, { orderId, amount: eur(499), refundId: 'r2' }))
        .then([refunded(499, 'r2', 4499)]));
    it('rejects an empty refund or one in another currency', () => {
      given([authorized, captured])
        .when((s) => refund(s, { orderId, amount: eur(0), refundId: 'r1' }))
        .then([rejected(0, 'r1', 'invalid_amount')]);
      given([authorized, captured])
        .when((s) => refund(s, { orderId, amount: { amount: 10, currency: 'USD' }, refundId: 'r1' }))
        .then([
          {
            type: 'PaymentRefundRejected',
            data: { orderId, amount: { amount: 10, currency: 'USD' }, refundId: 'r1', reason: 'invalid_amount' },
          },
        ]);
    });
    it('rejects refunding money never captured', () => {
      for (const history of [[], [authorized], [authorized, voided], [declined], [failed]]) {
        given(history)
          .when((s) => refund(s, { orderId, amount, refundId: 'r1' }))
          .then([rejected(4499, 'r1', 'not_captured')]);
      }
    });
    it('records a refund the provider refused, unless that refund id was made', () => {
      given([authorized, captured])
        .when((s) => refuseRefund(s, { orderId, amount, refundId: 'r1' }))
        .then([rejected(4499, 'r1', 'provider_refused')]);
      given([authorized, captured, refunded(4499, 'r1')])
        .when((s) => refuseRefund(s, { orderId, amount, refundId: 'r1' }))
        .then([]);
    });
    it('counts refunds recorded before refund ids existed', () =>
      given([authorized, captured, { type: 'PaymentRefunded', data: { orderId, amount: eur(4000) } }])
        .when((s) => refund(s, { orderId, amount: eur(500), refundId: 'r2' }))
        .then([rejected(500, 'r2', 'exceeds_captured')]));
  });
});
