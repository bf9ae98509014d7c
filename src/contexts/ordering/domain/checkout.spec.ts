import { describe, it } from 'vitest';
import { CheckoutAlreadyStarted, decide, start } from './checkout';
import {
  atOnce,
  authorizationRequested,
  authorizing,
  captureRequested,
  capturing,
  completed,
  done,
  every,
  failed,
  given,
  input,
  lines,
  onConfirmation,
  orderId,
  paymentToken,
  refundAcknowledged,
  refundRequested,
  releaseRequested,
  reservationRequested,
  reserving,
  startedBefore,
  timedOut,
  total,
  voidAcknowledged,
  voidRequested,
} from './checkout.fixtures';

describe('checkout process decider', () => {
  describe('start', () => {
    const cmd = { orderId, customerId: 'c-1', lines, total, paymentToken };
    it('starts by asking inventory to reserve the stock', () =>
      given([])
        .when((s) => start(s, cmd))
        .then(reserving));
    it('refuses to start twice', () =>
      given(reserving)
        .when((s) => start(s, cmd))
        .thenThrows(CheckoutAlreadyStarted, 'ordering.checkout_already_started'));
    it('reads a checkout started before the start asked for the stock itself (two events) as the same stage', () => {
      given([startedBefore, reservationRequested])
        .when((s) => decide(input.stockReserved, s, onConfirmation))
        .then([authorizationRequested]);
      given([startedBefore, reservationRequested])
        .when((s) => decide(input.timedOut, s, onConfirmation))
        .then([failed('timeout'), releaseRequested]);
    });
  });

  describe('capture on confirmation: happy path', () => {
    it('asks for the payment authorization once the stock is reserved', () =>
      given(reserving)
        .when((s) => decide(input.stockReserved, s, onConfirmation))
        .then([authorizationRequested]));
    it('asks for the capture once the payment is authorized', () =>
      given(authorizing)
        .when((s) => decide(input.authorized, s, onConfirmation))
        .then([captureRequested]));
    it('completes once the payment is captured', () =>
      given(capturing)
        .when((s) => decide(input.captured, s, onConfirmation))
        .then([completed]));
  });

  describe('failures compensate what was done', () => {
    it('cancels for out of stock, with nothing to release', () =>
      given(reserving)
        .when((s) => decide(input.stockRejected, s, onConfirmation))
        .then([failed('out_of_stock')]));
    it('releases the stock when the payment is declined', () =>
      given(authorizing)
        .when((s) => decide(input.declined, s, onConfirmation))
        .then([failed('payment_declined'), releaseRequested]));
    it('releases the stock when the authorization fails', () =>
      given(authorizing)
        .when((s) => decide(input.paymentFailed, s, onConfirmation))
        .then([failed('payment_failed'), releaseRequested]));
    it('releases the stock and voids the authorization when the capture fails', () =>
      given(capturing)
        .when((s) => decide(input.captureFailed, s, onConfirmation))
        .then([failed('payment_failed'), releaseRequested, voidRequested]));
  });

  describe('timeout', () => {
    it('while reserving: releases the reservation on its way (inventory remembers it)', () =>
      given([...reserving, timedOut])
        .when((s) => decide(input.timedOut, s, onConfirmation))
        .then([failed('timeout'), releaseRequested]));
    it('while authorizing: releases the stock and voids the authorization on its way', () =>
      given([...authorizing, timedOut])
        .when((s) => decide(input.timedOut, s, onConfirmation))
        .then([failed('timeout'), releaseRequested, voidRequested]));
    it('while capturing: releases the stock and voids the authorization', () =>
      given([...capturing, timedOut])
        .when((s) => decide(input.timedOut, s, onConfirmation))
        .then([failed('timeout'), releaseRequested, voidRequested]));
    it('after completion: nothing', () =>
      given([...done, timedOut])
        .when((s) => decide(input.timedOut, s, onConfirmation))
        .then([]));
    it('after a failure: nothing', () =>
      given([...reserving, failed('out_of_stock'), timedOut])
        .when((s) => decide(input.timedOut, s, onConfirmation))
        .then([]));
  });

  describe('cancellation requested while the checkout runs: compensates as any failure', () => {
    it('while reserving: releases the reservation on its way', () =>
      given(reserving)
        .when((s) => decide(input.cancelledByCustomer, s, onConfirmation))
        .then([failed('cancelled_by_customer'), releaseRequested]));
    it('while authorizing: releases the stock and voids the authorization on its way', () =>
      given(authorizing)
        .when((s) => decide(input.cancelledByStaff, s, onConfirmation))
        .then([failed('cancelled_by_staff'), releaseRequested, voidRequested]));
    it('while capturing: releases the stock and voids; a capture that still lands is refunded', () => {
      given(capturing)
        .when((s) => decide(input.cancelledByCustomer, s, onConfirmation))
        .then([failed('cancelled_by_customer'), releaseRequested, voidRequested]);
      given([...capturing, failed('cancelled_by_customer'), releaseRequested, voidRequested])
        .when((s) => decide(input.captured, s, onConfirmation))
        .then([refundRequested]);
    });
    it('after completion or a failure: nothing (the order is confirmed or already cancelled)', () => {
      given(done)
        .when((s) => decide(input.cancelledByCustomer, s, onConfirmation))
        .then([]);
      given([...reserving, failed('out_of_stock')])
        .when((s) => decide(input.cancelledByStaff, s, onConfirmation))
        .then([]);
    });
  });

  describe('late answers after a failure', () => {
    const timedOutWhileReserving = [...reserving, failed('timeout'), releaseRequested];
    const timedOutWhileAuthorizing = [...authorizing, failed('timeout'), releaseRequested, voidRequested];
    const timedOutWhileCapturing = [...capturing, failed('timeout'), releaseRequested, voidRequested];

    it('a late reservation is already released: nothing', () =>
      given(timedOutWhileReserving)
        .when((s) => decide(input.stockReserved, s, onConfirmation))
        .then([]));
    it('a late rejection: nothing', () =>
      given(timedOutWhileReserving)
        .when((s) => decide(input.stockRejected, s, onConfirmation))
        .then([]));
    it('a reservation after a rejection (unexpected) is released', () =>
      given([...reserving, failed('out_of_stock')])
        .when((s) => decide(input.stockReserved, s, onConfirmation))
        .then([releaseRequested]));
    it('a late authorization whose void was already asked: nothing more', () =>
      given(timedOutWhileAuthorizing)
        .when((s) => decide(input.authorized, s, onConfirmation))
        .then([]));
    it('an authorization after a decline (unexpected) is voided', () =>
      given([...authorizing, failed('payment_declined'), releaseRequested])
        .when((s) => decide(input.authorized, s, onConfirmation))
        .then([voidRequested]));
    it('a late capture is refunded', () =>
      given(timedOutWhileCapturing)
        .when((s) => decide(input.captured, s, onConfirmation))
        .then([refundRequested]));
    it('a second capture report after the refund was asked: nothing', () =>
      given([...timedOutWhileCapturing, refundRequested])
        .when((s) => decide(input.captured, s, onConfirmation))
        .then([]));
    it('a late decline or failure: nothing', () => {
      given(timedOutWhileAuthorizing)
        .when((s) => decide(input.declined, s, onConfirmation))
        .then([]);
      given(timedOutWhileAuthorizing)
        .when((s) => decide(input.paymentFailed, s, onConfirmation))
        .then([]);
      given(timedOutWhileCapturing)
        .when((s) => decide(input.paymentFailed, s, onConfirmation))
        .then([]);
    });
    it('acknowledges the void it asked for, once', () => {
      given(timedOutWhileAuthorizing)
        .when((s) => decide(input.voided, s, onConfirmation))
        .then([voidAcknowledged]);
      given([...timedOutWhileAuthorizing, voidAcknowledged])
        .when((s) => decide(input.voided, s, onConfirmation))
        .then([]);
    });
    it('acknowledges the refund it asked for, once', () => {
      given([...timedOutWhileCapturing, refundRequested])
        .when((s) => decide(input.refunded, s, onConfirmation))
        .then([refundAcknowledged]);
      given([...timedOutWhileCapturing, refundRequested, refundAcknowledged])
        .when((s) => decide(input.refunded, s, onConfirmation))
        .then([]);
    });
  });

  describe('duplicates and answers out of place are no-ops', () => {
    it('after completion every input is a no-op', () => {
      for (const i of every)
        given(done)
          .when((s) => decide(i, s, onConfirmation))
          .then([]);
    });
    it('a repeated reservation while authorizing', () =>
      given(authorizing)
        .when((s) => decide(input.stockReserved, s, onConfirmation))
        .then([]));
    it('a repeated authorization while capturing', () =>
      given(capturing)
        .when((s) => decide(input.authorized, s, onConfirmation))
        .then([]));
    it('answers for a checkout that never started', () => {
      for (const i of every)
        given([])
          .when((s) => decide(i, s, onConfirmation))
          .then([]);
    });
    it('payment answers before the stock is reserved', () => {
      for (const i of [input.authorized, input.declined, input.paymentFailed, input.captured, input.voided, input.refunded]) {
        given(reserving)
          .when((s) => decide(i, s, onConfirmation))
          .then([]);
      }
    });
    it('a void or refund report nobody asked for', () => {
      given(capturing)
        .when((s) => decide(input.voided, s, onConfirmation))
        .then([]);
      given(capturing)
        .when((s) => decide(input.refunded, s, onConfirmation))
        .then([]);
    });
  });

  describe('state', () => {
    it('forgets the payment token once it was sent', () =>
      given(authorizing).thenState({
        status: 'authorizing',
        orderId,
        total,
        paymentToken: '',
        stock: 'reserved',
        payment: 'pending',
        capture: 'on_confirmation',
      }));
    it('an authorization asked before capture at once existed is captured in two steps', () =>
      given([...reserving, { type: 'PaymentAuthorizationRequested', data: { orderId, amount: total, paymentToken } }])
        .when((s) => decide(input.authorized, s, atOnce))
        .then([captureRequested]));
    it('tracks what a failure still holds', () =>
      given([...capturing, failed('timeout'), releaseRequested, voidRequested]).thenState({
        status: 'failed',
        orderId,
        total,
        paymentToken: '',
        stock: 'released',
        payment: 'voiding',
        capture: 'on_confirmation',
        reason: 'timeout',
      }));
  });
});
