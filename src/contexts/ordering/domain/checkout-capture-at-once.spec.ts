import { describe, it } from 'vitest';
import { decide } from './checkout';
import {
  atOnce,
  authorizationAndCaptureRequested,
  authorizing,
  authorizingAtOnce,
  captureRequested,
  completed,
  every,
  failed,
  given,
  input,
  onConfirmation,
  orderId,
  refundRequested,
  releaseRequested,
  reserving,
  timedOut,
  total,
  voidAcknowledged,
  voidRequested,
} from './checkout.fixtures';

describe('checkout process decider', () => {
  describe('capture at once (immediate): the authorization is asked with its capture', () => {
    it('asks for the authorization and its capture once the stock is reserved', () =>
      given(reserving)
        .when((s) => decide(input.stockReserved, s, atOnce))
        .then([authorizationAndCaptureRequested]));
    it('waits for the capture once authorized: nothing to ask', () =>
      given(authorizingAtOnce)
        .when((s) => decide(input.authorized, s, atOnce))
        .then([]));
    it('completes once the payment is captured, from authorizing', () =>
      given(authorizingAtOnce)
        .when((s) => decide(input.captured, s, atOnce))
        .then([completed]));
    it('decides by how the authorization was asked, not by the setting now', () => {
      given(authorizingAtOnce)
        .when((s) => decide(input.authorized, s, onConfirmation))
        .then([]);
      given(authorizing)
        .when((s) => decide(input.authorized, s, atOnce))
        .then([captureRequested]);
      given(authorizing)
        .when((s) => decide(input.captured, s, atOnce))
        .then([]);
    });
    it('a failed capture releases the stock and voids the authorization (payment voided it; the void is acknowledged)', () => {
      given(authorizingAtOnce)
        .when((s) => decide(input.captureFailed, s, atOnce))
        .then([failed('payment_failed'), releaseRequested, voidRequested]);
      given([...authorizingAtOnce, failed('payment_failed'), releaseRequested, voidRequested])
        .when((s) => decide(input.voided, s, atOnce))
        .then([voidAcknowledged]);
    });
    it('a decline or a failed authorization releases the stock only, as in two steps', () => {
      given(authorizingAtOnce)
        .when((s) => decide(input.declined, s, atOnce))
        .then([failed('payment_declined'), releaseRequested]);
      given(authorizingAtOnce)
        .when((s) => decide(input.paymentFailed, s, atOnce))
        .then([failed('payment_failed'), releaseRequested]);
    });
    it('timeout or cancellation: releases the stock and voids; a capture that still lands is refunded', () => {
      given([...authorizingAtOnce, timedOut])
        .when((s) => decide(input.timedOut, s, atOnce))
        .then([failed('timeout'), releaseRequested, voidRequested]);
      given(authorizingAtOnce)
        .when((s) => decide(input.cancelledByCustomer, s, atOnce))
        .then([failed('cancelled_by_customer'), releaseRequested, voidRequested]);
      given([...authorizingAtOnce, failed('timeout'), releaseRequested, voidRequested])
        .when((s) => decide(input.captured, s, atOnce))
        .then([refundRequested]);
    });
    it('after completion every input is a no-op', () => {
      for (const i of every)
        given([...authorizingAtOnce, completed])
          .when((s) => decide(i, s, atOnce))
          .then([]);
    });
    it('remembers that the capture comes with the authorization', () =>
      given(authorizingAtOnce).thenState({
        status: 'authorizing',
        orderId,
        total,
        paymentToken: '',
        stock: 'reserved',
        payment: 'pending',
        capture: 'immediate',
      }));
  });
});
