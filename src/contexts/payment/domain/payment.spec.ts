import { describe, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  authorize,
  capture,
  CaptureExceedsAuthorization,
  paymentDecider,
  PaymentNotCapturable,
  PaymentNotRefundable,
  PaymentNotVoidable,
  refund,
  RefundExceedsCapture,
  refuseCapture,
  voidPayment,
  type PaymentEvent,
} from './payment';

const given = deciderSpec(paymentDecider);
const orderId = '0190f000-0000-7000-8000-000000000001';
const amount = { amount: 4499, currency: 'EUR' };
const providerRef = 'sbx_1';

const authorized: PaymentEvent = { type: 'PaymentAuthorized', data: { orderId, providerRef, amount } };
const declined: PaymentEvent = { type: 'PaymentDeclined', data: { orderId, reason: 'card_declined' } };
const failed: PaymentEvent = { type: 'PaymentFailed', data: { orderId, reason: 'timeout', operation: 'authorize' } };
const captureRefused: PaymentEvent = { type: 'PaymentFailed', data: { orderId, reason: 'capture_refused', operation: 'capture' } };
const captured: PaymentEvent = { type: 'PaymentCaptured', data: { orderId, amount } };
const voided: PaymentEvent = { type: 'PaymentVoided', data: { orderId } };
const refunded = (minor: number): PaymentEvent => ({
  type: 'PaymentRefunded',
  data: { orderId, amount: { amount: minor, currency: 'EUR' } },
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
        .when((s) => refuseCapture(s, { orderId }))
        .then([captureRefused]);
      given([authorized, captureRefused]).thenState({ status: 'authorized', providerRef, authorized: amount });
    });
    it('a refused capture of a payment no longer authorized is a no-op', () =>
      given([authorized, captured])
        .when((s) => refuseCapture(s, { orderId }))
        .then([]));
  });

  describe('void', () => {
    it('voids an authorization', () =>
      given([authorized])
        .when((s) => voidPayment(s, { orderId }))
        .then([voided]));
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
    it('refunds captured money', () =>
      given([authorized, captured])
        .when((s) => refund(s, { orderId, amount }))
        .then([refunded(4499)]));
    it('refunds in parts up to the captured amount', () =>
      given([authorized, captured, refunded(4000)])
        .when((s) => refund(s, { orderId, amount: { amount: 499, currency: 'EUR' } }))
        .then([refunded(499)]));
    it('never refunds more than captured', () => {
      given([authorized, captured, refunded(4499)])
        .when((s) => refund(s, { orderId, amount }))
        .thenThrows(RefundExceedsCapture, 'payment.refund_exceeds_capture');
      given([authorized, captured])
        .when((s) => refund(s, { orderId, amount: { amount: 4500, currency: 'EUR' } }))
        .thenThrows(RefundExceedsCapture);
    });
    it('refuses an empty refund', () =>
      given([authorized, captured])
        .when((s) => refund(s, { orderId, amount: { amount: 0, currency: 'EUR' } }))
        .thenThrows(RefundExceedsCapture));
    it('refuses to refund money never captured', () => {
      for (const history of [[], [authorized], [authorized, voided], [declined]]) {
        given(history)
          .when((s) => refund(s, { orderId, amount }))
          .thenThrows(PaymentNotRefundable, 'payment.payment_not_refundable');
      }
    });
  });
});
