import { Conflict } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';

/**
 * The checkout process manager as a decider, stream `ordering.checkout-<orderId>`.
 * Inputs are the answers of inventory and payment plus its own timeout; outputs are "…Requested" events that the
 * ordering translator turns into command messages, and CheckoutCompleted / CheckoutFailed, on which the process
 * confirms or cancels the order. Every failure compensates what has been done so far.
 */

export type CheckoutLine = { sku: string; quantity: number };
export type CancellationReason =
  'out_of_stock' | 'payment_declined' | 'payment_failed' | 'timeout' | 'cancelled_by_customer' | 'cancelled_by_staff';

export type CheckoutStarted = {
  type: 'CheckoutStarted';
  /**
   * The payment token is a provider token (never a card number); it lives in this stream only, not in the order.
   * `requestsStock`: the start asks inventory for the lines' stock itself (checkouts started before it was carried
   * here have a StockReservationRequested right after).
   */
  data: { orderId: string; customerId: string; lines: CheckoutLine[]; total: Money; paymentToken: string; requestsStock?: true };
};
/** Recorded right after CheckoutStarted before the start asked for the stock itself; still read from older streams. */
export type StockReservationRequested = { type: 'StockReservationRequested'; data: { orderId: string; lines: CheckoutLine[] } };
/**
 * When the money is captured: `immediate` in the authorization's provider round (payment answers authorized, then
 * captured), `on_confirmation` once the checkout asks for it (PaymentCaptureRequested after the authorization).
 */
export type CaptureMode = 'immediate' | 'on_confirmation';
/** `capture` is absent on requests made before capture at once existed: those were answered in two steps. */
export type PaymentAuthorizationRequested = {
  type: 'PaymentAuthorizationRequested';
  data: { orderId: string; amount: Money; paymentToken: string; capture?: CaptureMode };
};
export type PaymentCaptureRequested = { type: 'PaymentCaptureRequested'; data: { orderId: string; amount: Money } };
export type CheckoutCompleted = { type: 'CheckoutCompleted'; data: { orderId: string } };
export type CheckoutFailed = { type: 'CheckoutFailed'; data: { orderId: string; reason: CancellationReason } };
export type StockReleaseRequested = { type: 'StockReleaseRequested'; data: { orderId: string } };
export type PaymentVoidRequested = { type: 'PaymentVoidRequested'; data: { orderId: string } };
export type PaymentRefundRequested = { type: 'PaymentRefundRequested'; data: { orderId: string; amount: Money } };
export type PaymentVoidAcknowledged = { type: 'PaymentVoidAcknowledged'; data: { orderId: string } };
export type PaymentRefundAcknowledged = { type: 'PaymentRefundAcknowledged'; data: { orderId: string; amount: Money } };
/** Appended by the scheduler when the checkout deadline passes; the timeout consumer then decides what it means. */
export type CheckoutTimedOut = { type: 'CheckoutTimedOut'; data: { orderId: string } };

export type CheckoutEvent =
  | CheckoutStarted
  | StockReservationRequested
  | PaymentAuthorizationRequested
  | PaymentCaptureRequested
  | CheckoutCompleted
  | CheckoutFailed
  | StockReleaseRequested
  | PaymentVoidRequested
  | PaymentRefundRequested
  | PaymentVoidAcknowledged
  | PaymentRefundAcknowledged
  | CheckoutTimedOut;

export type CheckoutStatus = 'none' | 'reserving' | 'authorizing' | 'capturing' | 'completed' | 'failed';
/** What this checkout holds at inventory: pending = asked, answer not seen yet. */
export type StockHold = 'none' | 'pending' | 'reserved' | 'released';
/**
 * Where the money stands: pending = authorization asked (with an immediate capture: authorization and capture);
 * capturing = authorized and capture asked.
 */
export type PaymentHold = 'none' | 'pending' | 'capturing' | 'captured' | 'voiding' | 'voided' | 'refunding' | 'refunded';

export type Checkout = {
  status: CheckoutStatus;
  orderId: string;
  total: Money;
  paymentToken: string;
  stock: StockHold;
  payment: PaymentHold;
  /** How the authorization was asked: with `immediate`, the capture report completes the checkout from 'authorizing'. */
  capture: CaptureMode;
  reason?: CancellationReason;
};

/** The merchant's settings the checkout decides with. */
export type CheckoutSettings = { capture: CaptureMode };

export type CheckoutInput =
  | { type: 'StockReserved' }
  | { type: 'StockReservationRejected' }
  | { type: 'PaymentAuthorized' }
  | { type: 'PaymentDeclined' }
  /** `operation` capture while authorizing: a capture at once failed and the authorization is to be voided. */
  | { type: 'PaymentFailed'; operation: 'authorize' | 'capture' }
  | { type: 'PaymentCaptured'; amount: Money }
  | { type: 'PaymentVoided' }
  | { type: 'PaymentRefunded'; amount: Money }
  | { type: 'TimedOut' }
  /** The customer or staff cancelled the order while its checkout ran. */
  | { type: 'CancelRequested'; by: 'customer' | 'staff' };

export const initialState = (): Checkout => ({
  status: 'none',
  orderId: '',
  total: { amount: 0, currency: 'EUR' },
  paymentToken: '',
  stock: 'none',
  payment: 'none',
  capture: 'on_confirmation',
});

export const evolve = (state: Checkout, event: CheckoutEvent): Checkout => {
  switch (event.type) {
    case 'CheckoutStarted': {
      const { orderId, total, paymentToken, requestsStock } = event.data;
      return { ...state, status: 'reserving', orderId, total, paymentToken, ...(requestsStock ? { stock: 'pending' as const } : {}) };
    }
    case 'StockReservationRequested':
      return { ...state, stock: 'pending' };
    case 'PaymentAuthorizationRequested': // only asked once the stock is held
      return {
        ...state,
        status: 'authorizing',
        stock: 'reserved',
        payment: 'pending',
        paymentToken: '',
        capture: event.data.capture ?? 'on_confirmation',
      };
    case 'PaymentCaptureRequested': // only asked once the payment is authorized
      return { ...state, status: 'capturing', payment: 'capturing' };
    case 'CheckoutCompleted':
      return { ...state, status: 'completed', payment: 'captured' };
    case 'CheckoutFailed':
      return { ...state, status: 'failed', reason: event.data.reason, paymentToken: '' };
    case 'StockReleaseRequested':
      return { ...state, stock: 'released' };
    case 'PaymentVoidRequested':
      return { ...state, payment: 'voiding' };
    case 'PaymentRefundRequested':
      return { ...state, payment: 'refunding' };
    case 'PaymentVoidAcknowledged':
      return { ...state, payment: 'voided' };
    case 'PaymentRefundAcknowledged':
      return { ...state, payment: 'refunded' };
    case 'CheckoutTimedOut':
      return state;
  }
};

export const checkoutDecider = { initialState, evolve };
export const checkoutStream = (orderId: string): string => `ordering.checkout-${orderId}`;
export const checkoutTimeoutKey = (orderId: string): string => `checkout-timeout:${orderId}`;

export class CheckoutAlreadyStarted extends Conflict {
  constructor(orderId: string) {
    super('ordering.checkout_already_started', 'the checkout of this order has already started', { orderId });
  }
}

/** Starts the checkout of a placed order: the first step, asked with the start, is to reserve its stock. */
export const start = (
  state: Checkout,
  cmd: { orderId: string; customerId: string; lines: CheckoutLine[]; total: Money; paymentToken: string },
): CheckoutEvent[] => {
  if (state.status !== 'none') throw new CheckoutAlreadyStarted(cmd.orderId);
  return [{ type: 'CheckoutStarted', data: { ...cmd, requestsStock: true } }];
};

/**
 * Ends the checkout with a reason and undoes every step that may have happened. A step whose answer is still
 * pending is undone too: inventory remembers a release that comes before its reservation, and the payment context
 * a void that comes before its authorization, so nothing is left held whichever message arrives first.
 */
const fail = (state: Checkout, reason: CancellationReason): CheckoutEvent[] => {
  const { orderId } = state;
  const events: CheckoutEvent[] = [{ type: 'CheckoutFailed', data: { orderId, reason } }];
  if (state.stock === 'pending' || state.stock === 'reserved') events.push({ type: 'StockReleaseRequested', data: { orderId } });
  // a capture that still lands after the void is refunded when it is reported
  if (state.payment === 'pending' || state.payment === 'capturing') events.push({ type: 'PaymentVoidRequested', data: { orderId } });
  return events;
};

const inProgress = (state: Checkout): boolean =>
  state.status === 'reserving' || state.status === 'authorizing' || state.status === 'capturing';

/** The step a capture report completes: the capture asked for, or the authorization when it captures at once. */
const COMPLETED_BY_CAPTURE: Record<CaptureMode, readonly CheckoutStatus[]> = {
  immediate: ['authorizing', 'capturing'],
  on_confirmation: ['capturing'],
};

/** What an authorization leads to: the capture asked for now, or nothing (captured at once, its report comes next). */
const AFTER_AUTHORIZATION: Record<CaptureMode, (state: Checkout) => CheckoutEvent[]> = {
  immediate: () => [],
  on_confirmation: ({ orderId, total }) => [{ type: 'PaymentCaptureRequested', data: { orderId, amount: total } }],
};

/**
 * One input, one decision. Inputs arriving twice or after the checkout finished are no-ops, except those that
 * reveal something to undo: stock reserved, money authorized or captured for a failed checkout.
 */
export const decide = (input: CheckoutInput, state: Checkout, settings: CheckoutSettings): CheckoutEvent[] => {
  const { orderId } = state;
  if (state.status === 'none') return [];
  switch (input.type) {
    case 'StockReserved':
      if (state.status === 'reserving') {
        const { total: amount, paymentToken } = state;
        return [{ type: 'PaymentAuthorizationRequested', data: { orderId, amount, paymentToken, capture: settings.capture } }];
      }
      // held after the checkout failed without asking for a release (an unexpected answer after a rejection): give it back
      if (state.status === 'failed' && state.stock === 'pending') return [{ type: 'StockReleaseRequested', data: { orderId } }];
      return [];
    case 'StockReservationRejected':
      return state.status === 'reserving' ? fail({ ...state, stock: 'none' }, 'out_of_stock') : [];
    case 'PaymentAuthorized':
      if (state.status === 'authorizing') return AFTER_AUTHORIZATION[state.capture](state);
      // authorized after the checkout failed without asking for a void (an unexpected answer after a decline): void it
      if (state.status === 'failed' && state.payment === 'pending') return [{ type: 'PaymentVoidRequested', data: { orderId } }];
      return [];
    case 'PaymentDeclined': // nothing was authorized: only the stock is given back
      return state.status === 'authorizing' ? fail({ ...state, payment: 'none' }, 'payment_declined') : [];
    case 'PaymentFailed':
      // a failed authorization was voided by payment; a failed capture (at once, or asked apart) leaves one to void
      if (state.status === 'authorizing' && input.operation === 'authorize') return fail({ ...state, payment: 'none' }, 'payment_failed');
      return state.status === 'authorizing' || state.status === 'capturing' ? fail(state, 'payment_failed') : [];
    case 'PaymentCaptured':
      if (COMPLETED_BY_CAPTURE[state.capture].includes(state.status)) return [{ type: 'CheckoutCompleted', data: { orderId } }];
      if (state.status === 'failed' && state.payment !== 'refunding' && state.payment !== 'refunded') {
        return [{ type: 'PaymentRefundRequested', data: { orderId, amount: input.amount } }];
      }
      return [];
    case 'PaymentVoided':
      return state.payment === 'voiding' ? [{ type: 'PaymentVoidAcknowledged', data: { orderId } }] : [];
    case 'PaymentRefunded':
      return state.payment === 'refunding' ? [{ type: 'PaymentRefundAcknowledged', data: { orderId, amount: input.amount } }] : [];
    case 'TimedOut':
      return inProgress(state) ? fail(state, 'timeout') : [];
    case 'CancelRequested':
      return inProgress(state) ? fail(state, input.by === 'customer' ? 'cancelled_by_customer' : 'cancelled_by_staff') : [];
    default: {
      const unknown: never = input;
      throw new Error(`unknown checkout input ${JSON.stringify(unknown)}`);
    }
  }
};
