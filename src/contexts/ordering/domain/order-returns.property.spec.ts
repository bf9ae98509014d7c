import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderDecider, place, type ActiveOrder, type Order, type OrderEvent, type OrderLine } from './order';
import type { RefundRequested } from './order-lifecycle.events';
import { approveReturn, requestReturn, returnValue } from './order-returns';
import type { Coupon } from './pricing';

/**
 * R7, second half: the refunds of returned goods sum to exactly what those goods were paid, however the return is
 * split — nine returns of one unit refund what one return of nine does, and never any of the shipping charge.
 */

const orderId = '0190f000-0000-7000-8000-000000000001';
const now = new Date('2026-03-01T10:00:00Z');
const at = now.toISOString();
const eur = (amount: number) => ({ amount, currency: 'EUR' });

const lineArb = fc.record({ unitPrice: fc.integer({ min: 1, max: 250_000 }), quantity: fc.integer({ min: 1, max: 12 }) });
const orderArb = fc.record({
  lines: fc.array(lineArb, { minLength: 1, maxLength: 3 }),
  shipping: fc.integer({ min: 0, max: 5_000 }),
  taxBps: fc.option(fc.integer({ min: 1, max: 2_700 }), { nil: undefined }),
  coupon: fc.option(
    fc.oneof(
      fc.integer({ min: 1, max: 100 }).map((value): Coupon => ({ code: 'PCT', type: 'percentage', value, used: 0 })),
      fc.integer({ min: 1, max: 100_000 }).map((value): Coupon => ({ code: 'FIX', type: 'fixed', value, currency: 'EUR', used: 0 })),
    ),
    { nil: undefined },
  ),
});

type GeneratedOrder = typeof orderArb extends fc.Arbitrary<infer T> ? T : never;

/** A delivered order, priced as checkout prices it. */
const deliveredOrder = ({ lines, shipping, taxBps, coupon }: GeneratedOrder): Order => {
  const orderLines: OrderLine[] = lines.map((l, i) => ({
    sku: `SKU-${i}`,
    name: `Item ${i}`,
    quantity: l.quantity,
    unitPrice: eur(l.unitPrice),
  }));
  const placed = place(orderDecider.initialState(), {
    orderId,
    customerId: 'c',
    cartId: 'c',
    lines: orderLines,
    shipping: { method: 'standard', name: 'Standard', price: eur(shipping) },
    taxRate: taxBps === undefined ? undefined : { country: 'DE', rateBps: taxBps, name: 'VAT' },
    coupon,
    shippingAddress: { name: 'A', line1: 'B', city: 'C', postalCode: 'D', country: 'DE' },
    now,
  });
  const { total, customerId } = placed.data;
  const events: OrderEvent[] = [
    placed,
    { type: 'OrderConfirmed', data: { orderId, customerId, total, lines: orderLines, confirmedAt: at } },
    { type: 'OrderShipped', data: { orderId, customerId, shipmentId: 's', carrier: 'sandbox', trackingNumber: 'T', shippedAt: at } },
    {
      type: 'OrderDelivered',
      data: { orderId, customerId, lines: orderLines.map(({ sku, quantity }) => ({ sku, quantity })), deliveredAt: at },
    },
  ];
  return events.reduce(orderDecider.evolve, orderDecider.initialState());
};

/** Requests and approves one return after another; returns the state and the refund each approval asked for. */
const returnInTurn = (start: Order, returns: { sku: string; quantity: number }[][]): { state: Order; refunds: number[] } => {
  let state = start;
  const refunds: number[] = [];
  returns.forEach((lines, i) => {
    const returnId = `ret-${i}`;
    state = requestReturn(state, { orderId, returnId, lines, now }).reduce(orderDecider.evolve, state);
    const approved = approveReturn(state, { orderId, returnId, refundId: `refund-${i}`, now });
    const refund = approved.find((e): e is RefundRequested => e.type === 'RefundRequested');
    refunds.push(refund?.data.amount.amount ?? 0);
    state = approved.reduce(orderDecider.evolve, state);
  });
  return { state, refunds };
};

/** Every unit of the order, in line order: `returnOf[u] % (returns + 1)` names the return it goes back in (0: kept). */
const splitUnits = (order: ActiveOrder, returnOf: number[], returns: number) => {
  const groups = Array.from({ length: returns }, () => new Map<string, number>());
  let u = 0;
  for (const line of order.lines)
    for (let unit = 0; unit < line.quantity; unit++, u++) {
      const group = (returnOf[u] ?? 0) % (returns + 1);
      if (group > 0) groups[group - 1].set(line.sku, (groups[group - 1].get(line.sku) ?? 0) + 1);
    }
  return groups.filter((g) => g.size > 0).map((g) => [...g].map(([sku, quantity]) => ({ sku, quantity })));
};

describe('return refunds (property)', () => {
  it('however the returned units are split into returns, the refunds sum to what one return of them all pays back', () =>
    fc.assert(
      fc.property(
        orderArb,
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.nat({ max: 9 }), { minLength: 36, maxLength: 36 }),
        (order, returns, returnOf) => {
          const delivered = deliveredOrder(order) as ActiveOrder;
          const split = splitUnits(delivered, returnOf, returns);
          fc.pre(split.length > 0);
          const { refunds } = returnInTurn(delivered, split);
          const together = new Map<string, number>();
          for (const group of split) for (const l of group) together.set(l.sku, (together.get(l.sku) ?? 0) + l.quantity);
          const all = [...together].map(([sku, quantity]) => ({ sku, quantity }));
          const { refunds: atOnce } = returnInTurn(delivered, [all]);

          expect(refunds.every((r) => r >= 0)).toBe(true);
          expect(refunds.reduce((a, b) => a + b, 0)).toBe(atOnce[0]);
          expect(atOnce[0]).toBe(returnValue(delivered, all));
          // the shipping charge is never paid back: all the goods at most give back what was captured less shipping
          const shippingCharge = delivered.charges.filter((c) => c.kind === 'shipping').reduce((s, c) => s + c.amount.amount, 0);
          expect(atOnce[0]).toBeLessThanOrEqual(delivered.captured - shippingCharge);
        },
      ),
      { numRuns: 500 },
    ));

  it('nine returns of one unit at 1.03 EUR with 19% VAT refund what one return of nine does (11.03 EUR)', () => {
    const order = deliveredOrder({
      lines: [{ unitPrice: 103, quantity: 9 }],
      shipping: 490,
      taxBps: 1900,
      coupon: undefined,
    }) as ActiveOrder;
    const one = { sku: 'SKU-0', quantity: 1 };
    const { refunds: singly } = returnInTurn(
      order,
      Array.from({ length: 9 }, () => [one]),
    );
    const { refunds: atOnce } = returnInTurn(order, [[{ sku: 'SKU-0', quantity: 9 }]]);
    expect(atOnce).toEqual([1103]);
    expect(singly.reduce((a, b) => a + b, 0)).toBe(1103);
  });
});
