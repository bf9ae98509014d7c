import { describe, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import {
  addItem,
  type CartEvent,
  cartDecider,
  CartItemNotFound,
  CartNotFound,
  type CartOwner,
  changeQuantity,
  checkOut,
  CurrencyMismatch,
  LineQuantityExceeded,
  removeItem,
  TooManyLines,
} from './cart';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const added = (sku: string, quantity: number, amount = 1000): CartEvent => ({
  type: 'CartItemAdded',
  data: { sku, name: `Product ${sku}`, quantity, unitPrice: eur(amount) },
});
const checkedOut = (orderId: string, ...lines: [string, number][]): CartEvent => ({
  type: 'CartCheckedOut',
  data: { orderId, lines: lines.map(([sku, quantity]) => ({ sku, quantity })) },
});
/** What streams recorded before a cart's first line carried its start hold. */
const started = (owner: CartOwner = customer): CartEvent => ({ type: 'CartStarted', data: owner });
/** A first line that starts the cart. */
const starting = (event: CartEvent, owner: CartOwner = customer): CartEvent =>
  event.type === 'CartItemAdded' ? { ...event, data: { ...event.data, starts: owner } } : event;
const customer: CartOwner = { guest: false, customerId: 'u1' };
const given = deciderSpec(cartDecider);

describe('cart', () => {
  describe('addItem', () => {
    it('adds a product with its price snapshot, starting the cart with its first line', () =>
      given([])
        .when((s) => addItem(s, { sku: 'A', name: 'Product A', quantity: 2, unitPrice: eur(1000) }, customer))
        .then([starting(added('A', 2))]));

    it('records the product id and a guest owner', () =>
      given([])
        .when((s) => addItem(s, { sku: 'A', productId: 'p1', name: 'Product A', quantity: 1, unitPrice: eur(1000) }, { guest: true }))
        .then([
          {
            type: 'CartItemAdded',
            data: { sku: 'A', productId: 'p1', name: 'Product A', quantity: 1, unitPrice: eur(1000), starts: { guest: true } },
          },
        ]));

    it('starts a cart once: neither a second line nor a line after emptying it starts it again', () => {
      given([starting(added('A', 1))])
        .when((s) => addItem(s, { sku: 'B', name: 'Product B', quantity: 1, unitPrice: eur(1000) }, customer))
        .then([added('B', 1)]);
      given([started(), added('A', 1)])
        .when((s) => addItem(s, { sku: 'B', name: 'Product B', quantity: 1, unitPrice: eur(1000) }, customer))
        .then([added('B', 1)]);
      given([started(), added('A', 1), { type: 'CartItemRemoved', data: { sku: 'A' } }])
        .when((s) => addItem(s, { sku: 'B', name: 'Product B', quantity: 1, unitPrice: eur(1000) }, customer))
        .then([added('B', 1)]);
    });

    it('starts the cart again after a checkout emptied it, not when items stayed', () => {
      given([started(), added('A', 1), checkedOut('o1', ['A', 1])])
        .when((s) => addItem(s, { sku: 'A', name: 'Product A', quantity: 1, unitPrice: eur(1000) }, customer))
        .then([starting(added('A', 1))]);
      given([starting(added('A', 1)), checkedOut('o1', ['A', 1])])
        .when((s) => addItem(s, { sku: 'A', name: 'Product A', quantity: 1, unitPrice: eur(1000) }, customer))
        .then([starting(added('A', 1))]);
      given([started(), added('A', 2), checkedOut('o1', ['A', 1])])
        .when((s) => addItem(s, { sku: 'A', name: 'Product A', quantity: 1, unitPrice: eur(1000) }, customer))
        .then([added('A', 1)]);
    });

    it('does not start a cart whose snapshot predates CartStarted and still has lines', () =>
      given([added('A', 1)])
        .when((s) => addItem(s, { sku: 'B', name: 'Product B', quantity: 1, unitPrice: eur(1000) }, customer))
        .then([added('B', 1)]));

    it('refuses a guest cart merged at login', () =>
      given([started({ guest: true }), added('A', 1), { type: 'GuestCartClaimed', data: { customerId: 'u1' } }])
        .when((s) => addItem(s, { sku: 'B', name: 'Product B', quantity: 1, unitPrice: eur(1000) }, { guest: true }))
        .thenThrows(CartNotFound, 'cart.cart_not_found'));

    it('adds to the quantity of a SKU already in the cart', () =>
      given([added('A', 2), added('A', 3, 1200)]).thenState({
        lines: [{ sku: 'A', name: 'Product A', quantity: 5, unitPrice: eur(1200) }],
        recentOrders: [],
      }));

    it('refuses more than 99 units on a line', () =>
      given([added('A', 90)])
        .when((s) => addItem(s, { sku: 'A', name: 'Product A', quantity: 10, unitPrice: eur(1000) }, customer))
        .thenThrows(LineQuantityExceeded, 'cart.line_quantity_exceeded'));

    it('refuses a 51st line', () =>
      given(Array.from({ length: 50 }, (_, i) => added(`S${i}`, 1)))
        .when((s) => addItem(s, { sku: 'NEW', name: 'New', quantity: 1, unitPrice: eur(1) }, customer))
        .thenThrows(TooManyLines));

    it('refuses a second currency', () =>
      given([added('A', 1)])
        .when((s) => addItem(s, { sku: 'B', name: 'B', quantity: 1, unitPrice: { amount: 5, currency: 'USD' } }, customer))
        .thenThrows(CurrencyMismatch));
  });

  describe('changeQuantity', () => {
    it('sets the quantity', () =>
      given([added('A', 2)])
        .when((s) => changeQuantity(s, { sku: 'A', quantity: 7 }))
        .then([{ type: 'CartItemQuantityChanged', data: { sku: 'A', quantity: 7 } }]));

    it('is a no-op when unchanged', () =>
      given([added('A', 2)])
        .when((s) => changeQuantity(s, { sku: 'A', quantity: 2 }))
        .then([]));

    it('refuses an item not in the cart', () =>
      given([])
        .when((s) => changeQuantity(s, { sku: 'A', quantity: 1 }))
        .thenThrows(CartItemNotFound));
  });

  describe('removeItem', () => {
    it('removes the line', () =>
      given([added('A', 2)])
        .when((s) => removeItem(s, { sku: 'A' }))
        .then([{ type: 'CartItemRemoved', data: { sku: 'A' } }]));

    it('refuses an absent item', () =>
      given([added('A', 2)])
        .when((s) => removeItem(s, { sku: 'B' }))
        .thenThrows(CartItemNotFound, 'cart.item_not_found'));
  });

  describe('checkOut', () => {
    it('records the order', () =>
      given([added('A', 2)])
        .when((s) => checkOut(s, { orderId: 'o1', lines: [{ sku: 'A', quantity: 2 }] }))
        .then([checkedOut('o1', ['A', 2])]));

    it('removes only the ordered quantities, keeping what was added since', () =>
      given([added('A', 3), added('B', 1), checkedOut('o1', ['A', 2], ['B', 1])]).thenState({
        lines: [{ sku: 'A', name: 'Product A', quantity: 1, unitPrice: eur(1000) }],
        recentOrders: ['o1'],
        checkouts: 1,
        open: true,
      }));

    it('counts every order checked out, so each checkout number is claimed by one order', () =>
      given([added('A', 3), checkedOut('o1', ['A', 1]), checkedOut('o2', ['A', 1])]).thenState({
        lines: [{ sku: 'A', name: 'Product A', quantity: 1, unitPrice: eur(1000) }],
        recentOrders: ['o1', 'o2'],
        checkouts: 2,
        open: true,
      }));

    it('is a no-op for an order already checked out', () =>
      given([added('A', 3), checkedOut('o1', ['A', 2])])
        .when((s) => checkOut(s, { orderId: 'o1', lines: [{ sku: 'A', quantity: 2 }] }))
        .then([]));
  });
});
