import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  authorize,
  capture,
  CaptureExceedsAuthorization,
  paymentDecider,
  PaymentNotFound,
  refund,
  voidPayment,
  type PaymentEvent,
} from './payment';
import { ProviderReportNotApplicable, reconcile, type ProviderReport } from './provider-report';

const given = deciderSpec(paymentDecider);
const orderId = '0190f000-0000-7000-8000-000000000002';
const amount = { amount: 2500, currency: 'EUR' };
const providerRef = 'sbx_1';
const eur = (minor: number) => ({ amount: minor, currency: 'EUR' });

const authorized: PaymentEvent = { type: 'PaymentAuthorized', data: { orderId, providerRef, amount } };
const declined: PaymentEvent = { type: 'PaymentDeclined', data: { orderId, reason: 'card_declined', amount } };
const failed: PaymentEvent = { type: 'PaymentFailed', data: { orderId, reason: 'timeout', operation: 'authorize', amount } };
const captured: PaymentEvent = { type: 'PaymentCaptured', data: { orderId, amount } };
const voided: PaymentEvent = { type: 'PaymentVoided', data: { orderId, amount } };
const refunded = (minor: number, refundId: string, total = minor): PaymentEvent => ({
  type: 'PaymentRefunded',
  data: { orderId, amount: eur(minor), refundId, totalRefunded: eur(total) },
});
const report = (r: ProviderReport) => (s: Parameters<typeof reconcile>[0]) => reconcile(s, { orderId, report: r });

const reports = {
  authorized: { type: 'authorized', providerRef, amount },
  declined: { type: 'declined', reason: 'card_declined' },
  captured: { type: 'captured', amount },
  voided: { type: 'voided' },
  refunded: { type: 'refunded', amount: eur(1000), refundId: 'r1' },
} satisfies Record<string, ProviderReport>;

describe('provider reports (webhooks) on the payment decider', () => {
  it('a payment with nothing recorded is unknown, whatever is reported', () => {
    for (const r of Object.values(reports)) given([]).when(report(r)).thenThrows(PaymentNotFound, 'payment.payment_not_found');
  });

  describe('a fact already recorded is a no-op, so a webhook and the synchronous answer record it once', () => {
    it('captured after the capture was recorded, also with another amount', () => {
      given([authorized, captured]).when(report(reports.captured)).then([]);
      given([authorized, captured, refunded(1000, 'r1')])
        .when(report({ type: 'captured', amount: eur(1) }))
        .then([]);
    });
    it('authorized or declined once the authorization is answered', () => {
      for (const history of [[authorized], [authorized, captured], [declined], [failed], [voided]])
        given(history).when(report(reports.declined)).then([]);
      for (const history of [[authorized], [authorized, captured], [voided], [authorized, voided]])
        given(history).when(report(reports.authorized)).then([]);
    });
    it('voided once voided, declined or failed', () => {
      for (const history of [[voided], [authorized, voided], [declined], [failed]]) given(history).when(report(reports.voided)).then([]);
    });
    it('refunded with a refund id already recorded', () =>
      given([authorized, captured, refunded(1000, 'r1')])
        .when(report(reports.refunded))
        .then([]));
  });

  describe('the webhook first, the synchronous answer second: the answer then records nothing', () => {
    it('capture', () => {
      const first = reconcile(paymentDecider.evolve(paymentDecider.initialState(), authorized), { orderId, report: reports.captured });
      expect(first).toEqual([captured]);
      given([authorized, ...first])
        .when((s) => capture(s, { orderId, amount }))
        .then([]);
    });
    it('void', () =>
      given([authorized, { type: 'PaymentVoided', data: { orderId, amount } }])
        .when((s) => voidPayment(s, { orderId }))
        .then([]));
    it('refund', () =>
      given([authorized, captured, refunded(1000, 'r1')])
        .when((s) => refund(s, { orderId, amount: eur(1000), refundId: 'r1' }))
        .then([]));
    it('authorization', () =>
      given([authorized])
        .when((s) => authorize(s, { orderId, amount, result: { outcome: 'authorized', providerRef } }))
        .then([]));
  });

  describe('records what the provider did before its answer arrived', () => {
    it('captured: PaymentCaptured', () => given([authorized]).when(report(reports.captured)).then([captured]));
    it('voided: PaymentVoided with the released amount', () => given([authorized]).when(report(reports.voided)).then([voided]));
    it('refunded: PaymentRefunded with the total so far', () =>
      given([authorized, captured, refunded(1000, 'r0')])
        .when(report(reports.refunded))
        .then([refunded(1000, 'r1', 2000)]));
  });

  it('authorized after a decline or a failure: the money is held, so it is recorded (the checkout then voids it)', () => {
    for (const history of [[declined], [failed]])
      given(history)
        .when(report(reports.authorized))
        .then([{ type: 'PaymentAuthorized', data: { orderId, providerRef, amount } }]);
  });

  describe('refuses what cannot follow what is recorded (the provider redelivers it later)', () => {
    it('captured before the authorization is recorded here, or after a void, decline or failure', () => {
      for (const history of [[voided], [declined], [failed], [authorized, voided]])
        given(history).when(report(reports.captured)).thenThrows(ProviderReportNotApplicable, 'payment.webhook_not_applicable');
    });
    it('captured for more than was authorized', () =>
      given([authorized])
        .when(report({ type: 'captured', amount: eur(2501) }))
        .thenThrows(CaptureExceedsAuthorization));
    it('voided after a capture', () => given([authorized, captured]).when(report(reports.voided)).thenThrows(ProviderReportNotApplicable));
    it('refunded before the capture is recorded, or beyond it', () => {
      given([authorized]).when(report(reports.refunded)).thenThrows(ProviderReportNotApplicable);
      given([authorized, captured, refunded(2000, 'r0')])
        .when(report(reports.refunded))
        .thenThrows(ProviderReportNotApplicable);
    });
  });
});
