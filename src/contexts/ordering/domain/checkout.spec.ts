import { describe, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  CheckoutAlreadyStarted,
  checkoutDecider,
  decide,
  start,
  type CancellationReason,
  type CheckoutEvent,
  type CheckoutInput,
  type CheckoutSettings,
} from './checkout';

const given = deciderSpec(checkoutDecider);
const orderId = '0190f000-0000-7000-8000-000000000001';
const total = { amount: 4499, currency: 'EUR' };
const lines = [{ sku: 'MUG-1', quantity: 2 }];
const paymentToken = 'tok_approve';

const started: CheckoutEvent = { type: 'CheckoutStarted', data: { orderId, customerId: 'c-1', lines, total, paymentToken } };
const reservationRequested: CheckoutEvent = { type: 'StockReservationRequested', data: { orderId, lines } };
const onConfirmation: CheckoutSettings = { capture: 'on_confirmation' };
const atOnce: CheckoutSettings = { capture: 'immediate' };
const authorizationRequested: CheckoutEvent = {
  type: 'PaymentAuthorizationRequested',
  data: { orderId, amount: total, paymentToken, capture: 'on_confirmation' },
};
const authorizationAndCaptureRequested: CheckoutEvent = {
  type: 'PaymentAuthorizationRequested',
  data: { orderId, amount: total, paymentToken, capture: 'immediate' },
};
const captureRequested: CheckoutEvent = { type: 'PaymentCaptureRequested', data: { orderId, amount: total } };
const completed: CheckoutEvent = { type: 'CheckoutCompleted', data: { orderId } };
const failed = (reason: CancellationReason): CheckoutEvent => ({
  type: 'CheckoutFailed',
  data: { orderId, reason },
});
const releaseRequested: CheckoutEvent = { type: 'StockReleaseRequested', data: { orderId } };
const voidRequested: CheckoutEvent = { type: 'PaymentVoidRequested', data: { orderId } };
const refundRequested: CheckoutEvent = { type: 'PaymentRefundRequested', data: { orderId, amount: total } };
const voidAcknowledged: CheckoutEvent = { type: 'PaymentVoidAcknowledged', data: { orderId } };
const refundAcknowledged: CheckoutEvent = { type: 'PaymentRefundAcknowledged', data: { orderId, amount: total } };
const timedOut: CheckoutEvent = { type: 'CheckoutTimedOut', data: { orderId } };

const reserving = [started, reservationRequested];
const authorizing = [...reserving, authorizationRequested];
const capturing = [...authorizing, captureRequested];
const done = [...capturing, completed];
const authorizingAtOnce = [...reserving, authorizationAndCaptureRequested];

const input = {
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
const every = Object.values(input) as CheckoutInput[];

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
  });

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
