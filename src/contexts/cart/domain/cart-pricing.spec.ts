import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { type CartEvent, cartDecider, CartNotFound } from './cart';
import { checkPrices, type CurrentOffer, guardReadyForCheckout, ItemUnavailable, PriceChanged, refresh } from './cart-pricing';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const added = (sku: string, quantity: number, amount: number): CartEvent => ({
  type: 'CartItemAdded',
  data: { sku, name: `Product ${sku}`, quantity, unitPrice: eur(amount) },
});
const offers = (entries: Record<string, number | [number, boolean] | [number, boolean, string]>) =>
  new Map<string, CurrentOffer>(
    Object.entries(entries).map(([sku, offer]) => {
      const [amount, published, currency] = typeof offer === 'number' ? [offer, true, 'EUR'] : [offer[0], offer[1], offer[2] ?? 'EUR'];
      return [sku, { price: { amount, currency }, published }];
    }),
  );
const cart = [added('A', 2, 1000), added('B', 1, 500)];
const stateOf = (events: CartEvent[]) => events.reduce(cartDecider.evolve, cartDecider.initialState());
const given = deciderSpec(cartDecider);

describe('cart prices against the catalog', () => {
  it('flags each line whose price moved, and lines no longer sold', () =>
    expect(checkPrices(stateOf(cart).lines, offers({ A: 1200, B: [500, false] }))).toEqual([
      { sku: 'A', cartPrice: eur(1000), currentPrice: eur(1200), priceChanged: true },
      { sku: 'B', cartPrice: eur(500), currentPrice: null, priceChanged: false },
    ]));

  it('treats a line now sold in another currency as unavailable', () =>
    expect(checkPrices(stateOf(cart).lines, offers({ A: [1000, true, 'USD'], B: 500 }))[0]).toMatchObject({ currentPrice: null }));

  describe('checkout', () => {
    it('takes a cart whose prices all hold', () =>
      expect(() => guardReadyForCheckout(stateOf(cart), offers({ A: 1000, B: 500 }))).not.toThrow());

    it('refuses moved prices with the lines and both totals', () => {
      const refusal = (() => {
        try {
          guardReadyForCheckout(stateOf(cart), offers({ A: 1100, B: 500 }));
        } catch (error) {
          return error;
        }
      })();
      expect(refusal).toBeInstanceOf(PriceChanged);
      expect(refusal).toMatchObject({
        code: 'cart.price_changed',
        details: {
          lines: [{ sku: 'A', cartPrice: eur(1000), currentPrice: eur(1100) }],
          previousTotal: eur(2500),
          currentTotal: eur(2700),
        },
      });
    });

    it('refuses unknown and unpublished items before prices', () => {
      expect(() => guardReadyForCheckout(stateOf(cart), offers({ A: 1100 }))).toThrow(ItemUnavailable);
      expect(() => guardReadyForCheckout(stateOf(cart), offers({ A: 1000, B: [500, false] }))).toThrow(
        expect.objectContaining({ code: 'cart.item_unavailable', details: { skus: ['B'] } }),
      );
    });
  });

  describe('refresh', () => {
    it('re-quotes each moved line and drops the unavailable ones', () =>
      given(cart)
        .when((s) => refresh(s, offers({ A: 900, B: [500, false] })))
        .then([
          { type: 'CartItemRepriced', data: { sku: 'A', previousPrice: eur(1000), unitPrice: eur(900) } },
          { type: 'UnavailableCartItemDropped', data: { sku: 'B', quantity: 1 } },
        ]));

    it('after which checkout takes the cart', () => {
      const current = offers({ A: 900, B: [500, false] });
      const state = stateOf(cart);
      const after = refresh(state, current).reduce(cartDecider.evolve, state);
      expect(after.lines).toEqual([{ sku: 'A', name: 'Product A', quantity: 2, unitPrice: eur(900) }]);
      expect(() => guardReadyForCheckout(after, current)).not.toThrow();
    });

    it('records nothing when every price holds', () =>
      given(cart)
        .when((s) => refresh(s, offers({ A: 1000, B: 500 })))
        .then([]));

    it('refuses a merged guest cart', () =>
      given([...cart, { type: 'GuestCartClaimed', data: { customerId: 'u1' } }])
        .when((s) => refresh(s, offers({})))
        .thenThrows(CartNotFound));
  });
});
