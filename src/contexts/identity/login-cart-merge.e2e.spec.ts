import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { newId } from '../../shared-kernel/ids';

/**
 * A guest fills a cart, then logs in sending the cart's `X-Cart-Token`: the lines move into the customer's cart and
 * the guest token stops working. Over HTTP with cart's real GuestCarts; a cart that cannot be merged never fails the
 * login, and only customers' logins merge.
 */

type Cart = { id: string | null; items: { sku: string; quantity: number }[] };

let t: TestApp;
let admin: LoggedIn;

beforeAll(async () => {
  t = await bootTestApp();
  admin = await t.registerAndLogin('admin');
  expect(
    (await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'merge-mugs', name: 'Mugs' } })).statusCode,
  ).toBe(201);
});
afterAll(async () => t?.close());

const product = async (): Promise<string> => {
  const sku = `MERGE-${newId().slice(-12).toUpperCase()}`;
  const body = { sku, name: 'Mug', category: 'merge-mugs', price: { amount: 1299, currency: 'EUR' } };
  const created = await t.inject('POST', '/api/v1/products', { token: admin.token, body });
  expect(created.statusCode, created.body).toBe(201);
  return sku;
};

/** A new guest cart holding `quantity` × `sku`: its token, as the first add answered it. */
const guestCart = async (sku: string, quantity: number): Promise<string> => {
  const res = await t.inject('POST', '/api/v1/cart/items', { body: { sku, quantity } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['x-cart-token']).toEqual(expect.any(String));
  return String(res.headers['x-cart-token']);
};

const login = (email: string, password: string, cartToken?: string) =>
  t.inject('POST', '/api/v1/auth/login', {
    body: { email, password },
    headers: cartToken === undefined ? {} : { 'x-cart-token': cartToken },
  });

const lines = async (options: { token?: string; cartToken?: string }) => {
  const res = await t.inject('GET', '/api/v1/cart', {
    token: options.token,
    headers: options.cartToken === undefined ? {} : { 'x-cart-token': options.cartToken },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Cart>().items.map(({ sku, quantity }) => ({ sku, quantity }));
};

describe('guest cart merge at login', () => {
  it("moves the guest's lines into the customer's cart, and the guest token stops working", async () => {
    const sku = await product();
    const cartToken = await guestCart(sku, 2);
    const customer = await t.registerAndLogin('customer');

    const res = await login(customer.user.email, customer.password, cartToken);
    expect(res.statusCode, res.body).toBe(200);
    expect(await lines({ token: res.json().accessToken })).toEqual([{ sku, quantity: 2 }]);

    const asGuest = await t.inject('GET', '/api/v1/cart', { headers: { 'x-cart-token': cartToken } });
    expect(asGuest.statusCode).toBe(404);
    expect(asGuest.json().code).toBe('cart.cart_not_found');
    const addAsGuest = await t.inject('POST', '/api/v1/cart/items', { headers: { 'x-cart-token': cartToken }, body: { sku, quantity: 1 } });
    expect(addAsGuest.statusCode).toBe(404);
  });

  it('adds the guest lines to what the customer already had in their cart', async () => {
    const [kept, brought] = [await product(), await product()];
    const customer = await t.registerAndLogin('customer');
    expect((await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku: kept, quantity: 1 } })).statusCode).toBe(
      200,
    );
    const cartToken = await guestCart(brought, 3);
    const more = await t.inject('POST', '/api/v1/cart/items', { headers: { 'x-cart-token': cartToken }, body: { sku: kept, quantity: 1 } });
    expect(more.statusCode).toBe(200);

    expect((await login(customer.user.email, customer.password, cartToken)).statusCode).toBe(200);
    expect(await lines({ token: customer.token })).toEqual(
      expect.arrayContaining([
        { sku: kept, quantity: 2 },
        { sku: brought, quantity: 3 },
      ]),
    );
  });

  it('merges a guest cart once: a second customer logging in with the spent token gets nothing of it', async () => {
    const sku = await product();
    const cartToken = await guestCart(sku, 1);
    const [first, second] = [await t.registerAndLogin('customer'), await t.registerAndLogin('customer')];
    expect((await login(first.user.email, first.password, cartToken)).statusCode).toBe(200);
    expect((await login(second.user.email, second.password, cartToken)).statusCode).toBe(200);
    expect(await lines({ token: first.token })).toEqual([{ sku, quantity: 1 }]);
    expect(await lines({ token: second.token })).toEqual([]);
  });

  it('logs in with an unknown, malformed or over-long cart token, merging nothing', async () => {
    const customer = await t.registerAndLogin('customer');
    for (const bogus of ['A'.repeat(43), 'not a token', "' or 1=1 --", 'x'.repeat(1_000), customer.user.id]) {
      const res = await login(customer.user.email, customer.password, bogus);
      expect(res.statusCode, bogus).toBe(200);
      expect(res.json().accessToken).toEqual(expect.any(String));
    }
    expect(await lines({ token: customer.token })).toEqual([]);
  });

  it("does not merge at a staff login, nor at a failed login: the guest's cart stays the guest's", async () => {
    const sku = await product();
    const cartToken = await guestCart(sku, 2);
    const staff = await t.registerAndLogin('staff');
    expect((await login(staff.user.email, staff.password, cartToken)).statusCode).toBe(200);
    const customer = await t.registerAndLogin('customer');
    expect((await login(customer.user.email, 'not the password', cartToken)).statusCode).toBe(401);

    expect(await lines({ cartToken })).toEqual([{ sku, quantity: 2 }]);
    expect(await lines({ token: customer.token })).toEqual([]);
  });
});
