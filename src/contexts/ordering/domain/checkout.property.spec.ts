import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CaptureMode, checkoutDecider, decide, start, type Checkout, type CheckoutEvent, type CheckoutInput } from './checkout';

const orderId = 'order-1';
const total = { amount: 1000, currency: 'EUR' };

/** Inventory and payment as the checkout sees them, with the rules their handlers keep (idempotent, remembering early releases/voids). */
type World = {
  stock: 'none' | 'held' | 'released' | 'rejected';
  money: 'none' | 'authorized' | 'declined' | 'failed' | 'captured' | 'voided' | 'refunded';
};
type Message = { to: 'world'; command: CheckoutEvent } | { to: 'process'; input: CheckoutInput };

/**
 * Runs one checkout against a random world: messages are delivered in any order, some twice, the timeout at any
 * moment; every answer is chosen by the tape. Returns the final process state and the world.
 */
const simulate = (
  tape: number[],
  withTimeout: boolean,
  capture: CaptureMode,
): { state: Checkout; world: World; emitted: CheckoutEvent[] } => {
  let cursor = 0;
  const next = (n: number) => tape[cursor++ % tape.length] % n;
  const world: World = { stock: 'none', money: 'none' };
  const emitted: CheckoutEvent[] = start(checkoutDecider.initialState(), {
    orderId,
    customerId: 'c',
    lines: [{ sku: 'A', quantity: 1 }],
    total,
    paymentToken: 'tok',
  });
  let state = emitted.reduce(checkoutDecider.evolve, checkoutDecider.initialState());
  const queue: Message[] = emitted.map((command) => ({ to: 'world', command }));
  if (withTimeout) queue.push({ to: 'process', input: { type: 'TimedOut' } });
  const answer = (input: CheckoutInput) => queue.push({ to: 'process', input });

  for (let steps = 0; queue.length > 0 && steps < 500; steps++) {
    const [message] = queue.splice(next(queue.length), 1);
    if (next(5) === 0) queue.push(message); // delivered again later
    if (message.to === 'process') {
      const events = decide(message.input, state, { capture });
      emitted.push(...events);
      state = events.reduce(checkoutDecider.evolve, state);
      for (const command of events) queue.push({ to: 'world', command });
      continue;
    }
    switch (message.command.type) {
      case 'CheckoutStarted':
      case 'StockReservationRequested':
        if (world.stock === 'none') {
          world.stock = next(2) === 0 ? 'held' : 'rejected';
          answer({ type: world.stock === 'held' ? 'StockReserved' : 'StockReservationRejected' });
        }
        break;
      case 'StockReleaseRequested':
        if (world.stock === 'none' || world.stock === 'held') world.stock = 'released';
        break;
      case 'PaymentAuthorizationRequested':
        if (world.money === 'none') {
          world.money = (['authorized', 'declined', 'failed'] as const)[next(3)];
          if (world.money === 'declined') answer({ type: 'PaymentDeclined' });
          if (world.money === 'failed') answer({ type: 'PaymentFailed', operation: 'authorize' });
          if (world.money === 'authorized') answer({ type: 'PaymentAuthorized' });
          if (world.money === 'authorized' && message.command.data.capture === 'immediate') {
            // captured in the same round, or the capture failed and payment voided the authorization
            world.money = next(4) === 0 ? 'voided' : 'captured';
            if (world.money === 'captured') answer({ type: 'PaymentCaptured', amount: total });
            else {
              answer({ type: 'PaymentFailed', operation: 'capture' });
              answer({ type: 'PaymentVoided' });
            }
          }
        }
        break;
      case 'PaymentCaptureRequested':
        if (world.money === 'authorized') {
          if (next(4) === 0)
            answer({ type: 'PaymentFailed', operation: 'capture' }); // the provider fails the capture; the authorization stays
          else {
            world.money = 'captured';
            answer({ type: 'PaymentCaptured', amount: total });
          }
        }
        break;
      case 'PaymentVoidRequested':
        if (world.money === 'none' || world.money === 'authorized') {
          world.money = 'voided';
          answer({ type: 'PaymentVoided' });
        }
        break;
      case 'PaymentRefundRequested':
        if (world.money === 'captured') {
          world.money = 'refunded';
          answer({ type: 'PaymentRefunded', amount: total });
        }
        break;
    }
  }
  return { state, world, emitted };
};

describe('checkout process: every run ends confirmed or cancelled, and reconciles', () => {
  it.each<CaptureMode>(['immediate', 'on_confirmation'])('capturing %s, under any order of delivery, duplicates and timeout', (capture) => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 50, maxLength: 50 }), fc.boolean(), (tape, withTimeout) => {
        const { state, world, emitted } = simulate(tape, withTimeout, capture);
        const count = (type: CheckoutEvent['type']) => emitted.filter((e) => e.type === type).length;
        expect(['completed', 'failed']).toContain(state.status);
        expect(count('CheckoutCompleted') + count('CheckoutFailed')).toBe(1);
        expect(count('StockReleaseRequested')).toBeLessThanOrEqual(1);
        expect(count('PaymentVoidRequested')).toBeLessThanOrEqual(1);
        expect(count('PaymentRefundRequested')).toBeLessThanOrEqual(1);
        if (capture === 'immediate') expect(count('PaymentCaptureRequested')).toBe(0);
        if (state.status === 'completed') {
          expect(world).toEqual({ stock: 'held', money: 'captured' });
        } else {
          expect(world.stock).not.toBe('held');
          expect(['authorized', 'captured']).not.toContain(world.money);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
