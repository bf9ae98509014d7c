import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { type IntegrationMessage, MessageBus } from '../../platform/messaging/message-bus';
import type { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { CartMessages, type CartStartedV1, GuestCarts } from './contracts';

let t: TestApp;
let admin: string;
let customer: { token: string; user: { id: string } };
const published: IntegrationMessage[] = [];

beforeAll(async () => {
  t = await bootTestApp();
  await t.get(MessageBus).subscribe('test.cart-listener', [CartMessages.cartStarted], async (m) => void published.push(m));
  admin = (await t.registerAndLogin('admin')).token;
  await t.inject('POST', '/api/v1/categories', { token: admin, body: { slug: 'mugs', name: 'Mugs' } });
  for (const [sku, amount] of [
    ['CART-MUG', 1299],
    ['CART-POT', 2500],
    ['CART-CUP', 800],
    ['CART-LID', 300],
  ] as const) {
    await t.inject('POST', '/api/v1/products', {
      token: admin,
      body: { sku, name: `Item ${sku}`, category: 'mugs', price: { amount, currency: 'EUR' } },
    });
  }
  customer = await t.registerAndLogin('customer');
});
afterAll(async () => t?.close());

const CART_TOKEN = 'x-cart-token';
type Cart = {
  id: string | null;
  version: number;
  items: { sku: string; quantity: number; priceChanged: boolean }[];
  needsRefresh: boolean;
};

const add = (sku: string, quantity: number, token = customer.token) =>
  t.inject('POST', '/api/v1/cart/items', { token, body: { sku, quantity } });
const asGuest = (cartToken?: string, headers: Record<string, string> = {}) => ({
  headers: { ...(cartToken ? { [CART_TOKEN]: cartToken } : {}), ...headers },
});
const guestAdd = (sku: string, quantity: number, cartToken?: string, headers: Record<string, string> = {}) =>
  t.inject('POST', '/api/v1/cart/items', { ...asGuest(cartToken, headers), body: { sku, quantity } });
const newGuest = async (sku = 'CART-MUG', quantity = 1) => {
  const res = await guestAdd(sku, quantity);
  expect(res.statusCode).toBe(200);
  return { token: String(res.headers[CART_TOKEN]), cart: res.json<Cart>() };
};
const meta = () => ({ commandId: newId(), correlationId: newId(), now: t.clock.now() });
const skusAndQuantities = (cart: Cart) => cart.items.map(({ sku, quantity }) => ({ sku, quantity }));

describe('guest cart over HTTP', () => {
  it('needs no token: the first add creates the cart and hands out its token, later requests send it back', async () => {
    expect((await t.inject('GET', '/api/v1/cart')).json()).toMatchObject({ id: null, version: 0, items: [] });
    const first = await guestAdd('CART-MUG', 2);
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const token = String(first.headers[CART_TOKEN]);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cartId = first.json<Cart>().id;
    expect(cartId).toEqual(expect.any(String));

    const second = await guestAdd('CART-POT', 1, token);
    expect(second.headers[CART_TOKEN]).toBeUndefined();
    expect(second.json<Cart>()).toMatchObject({
      id: cartId,
      items: [
        { sku: 'CART-MUG', quantity: 2 },
        { sku: 'CART-POT', quantity: 1 },
      ],
    });
    expect((await t.inject('PUT', '/api/v1/cart/items/CART-MUG', { ...asGuest(token), body: { quantity: 5 } })).statusCode).toBe(200);
    expect((await t.inject('DELETE', '/api/v1/cart/items/CART-POT', asGuest(token))).statusCode).toBe(200);
    const cart = (await t.inject('GET', '/api/v1/cart', asGuest(token))).json<Cart>();
    expect(cart).toMatchObject({ id: cartId, version: 4 });
    expect(skusAndQuantities(cart)).toEqual([{ sku: 'CART-MUG', quantity: 5 }]);
  });

  it("never reveals another guest's cart: unknown, malformed and foreign tokens only reach their own cart or 404", async () => {
    const alice = await newGuest('CART-MUG', 3);
    const bob = await newGuest('CART-CUP', 1);
    expect((await t.inject('GET', '/api/v1/cart', asGuest(bob.token))).json<Cart>()).toMatchObject({
      id: bob.cart.id,
      items: [{ sku: 'CART-CUP' }],
    });
    const forged = `${alice.token.slice(0, 20)}${bob.token.slice(20)}`;
    for (const cartToken of [forged, 'garbage', alice.cart.id!, 'x'.repeat(5000)]) {
      for (const res of [
        await t.inject('GET', '/api/v1/cart', asGuest(cartToken)),
        await guestAdd('CART-MUG', 1, cartToken),
        await t.inject('PUT', '/api/v1/cart/items/CART-MUG', { ...asGuest(cartToken), body: { quantity: 1 } }),
        await t.inject('DELETE', '/api/v1/cart/items/CART-MUG', asGuest(cartToken)),
        await t.inject('POST', '/api/v1/cart/refresh', asGuest(cartToken)),
      ]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ code: 'cart.cart_not_found' });
      }
    }
    // a customer holding a guest token still gets only their own cart
    const own = (await t.inject('GET', '/api/v1/cart', { token: customer.token, ...asGuest(alice.token) })).json<Cart>();
    expect(own.id).toBe(customer.user.id);
    expect(skusAndQuantities((await t.inject('GET', '/api/v1/cart', asGuest(alice.token))).json<Cart>())).toEqual([
      { sku: 'CART-MUG', quantity: 3 },
    ]);
  });

  it('without a token, changing, removing or refreshing finds no cart (404)', async () => {
    expect((await t.inject('PUT', '/api/v1/cart/items/CART-MUG', { body: { quantity: 1 } })).json()).toMatchObject({
      code: 'cart.cart_not_found',
    });
    expect((await t.inject('DELETE', '/api/v1/cart/items/CART-MUG')).json()).toMatchObject({ code: 'cart.cart_not_found' });
    expect((await t.inject('POST', '/api/v1/cart/refresh')).json()).toMatchObject({ code: 'cart.cart_not_found' });
  });

  it('publishes cart.cart-started.v1 once per cart, for guests and customers', async () => {
    const guest = await newGuest();
    await guestAdd('CART-POT', 1, guest.token);
    const shopper = await t.registerAndLogin('customer');
    await add('CART-MUG', 1, shopper.token);
    await add('CART-POT', 1, shopper.token);
    await t.drain();
    const started = (cartId: string | null) => published.filter((m) => (m.data as CartStartedV1).cartId === cartId).map((m) => m.data);
    expect(started(guest.cart.id)).toEqual([{ cartId: guest.cart.id, guest: true, startedAt: expect.any(String) }]);
    expect(started(shopper.user.id)).toEqual([
      { cartId: shopper.user.id, customerId: shopper.user.id, guest: false, startedAt: expect.any(String) },
    ]);
  });
});

describe('idempotency per guest cart token', () => {
  it("scopes a guest's Idempotency-Key to their cart token: another guest's same key runs on their own cart", async () => {
    const alice = await newGuest('CART-LID', 1);
    const bob = await newGuest('CART-LID', 1);
    const key = { 'idempotency-key': `shared-${newId()}` };
    const aliceFirst = await guestAdd('CART-CUP', 1, alice.token, key);
    const bobFirst = await guestAdd('CART-CUP', 1, bob.token, key);
    expect(bobFirst.headers['idempotent-replayed']).toBeUndefined();
    expect(bobFirst.json<Cart>().id).toBe(bob.cart.id);
    expect(skusAndQuantities(bobFirst.json())).toEqual([
      { sku: 'CART-LID', quantity: 1 },
      { sku: 'CART-CUP', quantity: 1 },
    ]);

    const aliceRetry = await guestAdd('CART-CUP', 1, alice.token, key);
    expect(aliceRetry.headers['idempotent-replayed']).toBe('true');
    expect(aliceRetry.json()).toEqual(aliceFirst.json());
    expect(skusAndQuantities((await t.inject('GET', '/api/v1/cart', asGuest(alice.token))).json())).toEqual([
      { sku: 'CART-LID', quantity: 1 },
      { sku: 'CART-CUP', quantity: 1 },
    ]);
    expect((await guestAdd('CART-CUP', 2, alice.token, key)).statusCode).toBe(422);
  });

  it('does not replay one tokenless first add to another: each gets a cart and a token of its own', async () => {
    const key = { 'idempotency-key': `first-${newId()}` };
    const one = await guestAdd('CART-CUP', 1, undefined, key);
    const two = await guestAdd('CART-CUP', 1, undefined, key);
    for (const res of [one, two]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
    }
    expect(one.headers[CART_TOKEN]).not.toBe(two.headers[CART_TOKEN]);
    expect(one.json<Cart>().id).not.toBe(two.json<Cart>().id);
  });
});

describe('merge at login', () => {
  it('moves the guest lines into the customer cart; the guest token stops working; repeating it changes nothing', async () => {
    const shopper = await t.registerAndLogin('customer');
    await add('CART-MUG', 1, shopper.token);
    const guest = await newGuest('CART-MUG', 2);
    await guestAdd('CART-CUP', 4, guest.token);

    const carts = t.get(GuestCarts);
    await carts.mergeIntoCustomerCart(guest.token, shopper.user.id, meta());
    const merged = (await t.inject('GET', '/api/v1/cart', { token: shopper.token })).json<Cart>();
    expect(skusAndQuantities(merged)).toEqual([
      { sku: 'CART-MUG', quantity: 3 },
      { sku: 'CART-CUP', quantity: 4 },
    ]);
    expect((await t.inject('GET', '/api/v1/cart', asGuest(guest.token))).statusCode).toBe(404);
    expect((await guestAdd('CART-POT', 1, guest.token)).statusCode).toBe(404);

    await carts.mergeIntoCustomerCart(guest.token, shopper.user.id, meta());
    await carts.mergeIntoCustomerCart('unknown-token', shopper.user.id, meta());
    await Promise.all([
      carts.mergeIntoCustomerCart(guest.token, shopper.user.id, meta()),
      carts.mergeIntoCustomerCart(guest.token, shopper.user.id, meta()),
    ]);
    expect((await t.inject('GET', '/api/v1/cart', { token: shopper.token })).json<Cart>().version).toBe(merged.version);
  });
});

// last: it moves the clock past every access token issued so far
describe('guest cart expiry', () => {
  it('expires 30 days after its last change', async () => {
    const clock = t.clock as ManualClock;
    const { token } = await newGuest();
    clock.advance(29 * 24 * 3600 * 1000);
    expect((await guestAdd('CART-MUG', 1, token)).statusCode).toBe(200);
    clock.advance(29 * 24 * 3600 * 1000);
    expect((await t.inject('GET', '/api/v1/cart', asGuest(token))).statusCode).toBe(200);
    clock.advance(2 * 24 * 3600 * 1000);
    expect((await t.inject('GET', '/api/v1/cart', asGuest(token))).json()).toMatchObject({ status: 404, code: 'cart.cart_not_found' });
  });
});
