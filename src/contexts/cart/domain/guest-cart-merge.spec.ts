import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { addItem, type CartEvent, cartDecider, type CartLine, CartNotFound, MAX_LINES } from './cart';
import { claimGuestCart, mergeGuestCart } from './guest-cart-merge';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const line = (sku: string, quantity: number, amount = 1000, currency = 'EUR'): CartLine => ({
  sku,
  productId: `p-${sku}`,
  name: `Product ${sku}`,
  quantity,
  unitPrice: { amount, currency },
});
const added = (l: CartLine): CartEvent => ({ type: 'CartItemAdded', data: l });
const customer = (...lines: CartLine[]): CartEvent[] => [
  { type: 'CartStarted', data: { guest: false, customerId: 'u1' } },
  ...lines.map(added),
];
const merged = (lines: CartLine[], dropped: Extract<CartEvent, { type: 'GuestCartMerged' }>['data']['dropped'] = []): CartEvent => ({
  type: 'GuestCartMerged',
  data: { guestCartId: 'g1', lines, dropped },
});
const merge = (guestLines: CartLine[]) => (state: Parameters<typeof mergeGuestCart>[0]) =>
  mergeGuestCart(state, { guestCartId: 'g1', guestLines });
const given = deciderSpec(cartDecider);

describe('merging a guest cart into a customer cart', () => {
  it('moves every line into an empty customer cart, which it opens without starting a second cart', () => {
    given([])
      .when(merge([line('A', 2), line('B', 1)]))
      .then([merged([line('A', 2), line('B', 1)])]);
    given([merged([line('A', 2)])])
      .when((s) => addItem(s, { sku: 'B', name: 'B', quantity: 1, unitPrice: eur(1) }, { guest: false, customerId: 'u1' }))
      .then([{ type: 'CartItemAdded', data: { sku: 'B', name: 'B', quantity: 1, unitPrice: eur(1) } }]);
  });

  it('adds quantities of a SKU in both carts, keeping the customer line and its price', () => {
    given([...customer(line('A', 3, 900))])
      .when(merge([line('A', 2, 1000), line('B', 1)]))
      .then([merged([line('A', 2, 1000), line('B', 1)])]);
    given([...customer(line('A', 3, 900)), merged([line('A', 2, 1000), line('B', 1)])]).thenState({
      lines: [line('A', 5, 900), line('B', 1)],
      recentOrders: [],
      open: true,
    });
  });

  it('caps a line at 99 units and records the units left over', () =>
    given([...customer(line('A', 90))])
      .when(merge([line('A', 20)]))
      .then([merged([line('A', 9)], [{ sku: 'A', quantity: 11, reason: 'line_quantity_cap' }])]));

  it('drops a line that cannot grow at all', () =>
    given([...customer(line('A', 99))])
      .when(merge([line('A', 5)]))
      .then([merged([], [{ sku: 'A', quantity: 5, reason: 'line_quantity_cap' }])]));

  it('keeps at most 50 lines: new SKUs beyond it are dropped, in the guest cart order; SKUs already there still add up', () => {
    const full = Array.from({ length: MAX_LINES - 1 }, (_, i) => line(`S${i}`, 1));
    given(customer(...full))
      .when(merge([line('NEW1', 1), line('NEW2', 2), line('S0', 1)]))
      .then([merged([line('NEW1', 1), line('S0', 1)], [{ sku: 'NEW2', quantity: 2, reason: 'line_count_cap' }])]);
  });

  it('drops lines priced in another currency than the customer cart', () =>
    given(customer(line('A', 1)))
      .when(merge([line('B', 1, 500, 'USD'), line('C', 1)]))
      .then([merged([line('C', 1)], [{ sku: 'B', quantity: 1, reason: 'currency_mismatch' }])]));

  it('takes the currency of the first guest line into an empty customer cart', () =>
    given([])
      .when(merge([line('A', 1, 500, 'USD'), line('B', 1)]))
      .then([merged([line('A', 1, 500, 'USD')], [{ sku: 'B', quantity: 1, reason: 'currency_mismatch' }])]));

  it('records nothing for an empty guest cart', () =>
    given(customer(line('A', 1)))
      .when(merge([]))
      .then([]));

  it('never lets the customer cart pass 99 per line or 50 lines, and accounts for every guest unit', () => {
    const lines = fc.uniqueArray(
      fc.record({ sku: fc.integer({ min: 0, max: 69 }).map((n) => `S${n}`), quantity: fc.integer({ min: 1, max: 99 }) }),
      { selector: (l) => l.sku, maxLength: MAX_LINES },
    );
    fc.assert(
      fc.property(lines, lines, (held, guest) => {
        const state = customer(...held.map((l) => line(l.sku, l.quantity))).reduce(cartDecider.evolve, cartDecider.initialState());
        const guestLines = guest.map((l) => line(l.sku, l.quantity));
        const events = mergeGuestCart(state, { guestCartId: 'g1', guestLines });
        const after = events.reduce(cartDecider.evolve, state);
        expect(after.lines.length).toBeLessThanOrEqual(MAX_LINES);
        expect(after.lines.every((l) => l.quantity >= 1 && l.quantity <= 99)).toBe(true);
        const total = (ls: readonly { quantity: number }[]) => ls.reduce((n, l) => n + l.quantity, 0);
        const moved = events.flatMap((e) => (e.type === 'GuestCartMerged' ? [...e.data.lines, ...e.data.dropped] : []));
        expect(total(moved)).toBe(total(guestLines));
        expect(total(after.lines)).toBe(
          total(state.lines) + total(events.flatMap((e) => (e.type === 'GuestCartMerged' ? e.data.lines : []))),
        );
      }),
    );
  });
});

describe('claiming the guest cart', () => {
  const guest: CartEvent[] = [{ type: 'CartStarted', data: { guest: true } }, added(line('A', 1))];

  it('closes it: its lines are gone and it refuses changes', () => {
    given(guest)
      .when((s) => claimGuestCart(s, { customerId: 'u1' }))
      .then([{ type: 'GuestCartClaimed', data: { customerId: 'u1' } }]);
    given([...guest, { type: 'GuestCartClaimed', data: { customerId: 'u1' } }])
      .when((s) => addItem(s, { sku: 'B', name: 'B', quantity: 1, unitPrice: eur(1) }, { guest: true }))
      .thenThrows(CartNotFound);
  });

  it('happens once', () =>
    given([...guest, { type: 'GuestCartClaimed', data: { customerId: 'u1' } }])
      .when((s) => claimGuestCart(s, { customerId: 'u2' }))
      .then([]));
});
