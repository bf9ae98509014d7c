import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { MessageBus } from '../../platform/messaging/message-bus';
import { newId } from '../../shared-kernel/ids';
import { ProductCatalog } from '../catalog/contracts';
import { OrderingMessages, type OrderPlacedV1 } from '../ordering/contracts';
import { CartContents } from './contracts';

let t: TestApp;
let admin: string;
let customer: { token: string; user: { id: string } };
const productIds = new Map<string, string>();

beforeAll(async () => {
  t = await bootTestApp();
  admin = (await t.registerAndLogin('admin')).token;
  await t.inject('POST', '/api/v1/categories', { token: admin, body: { slug: 'mugs', name: 'Mugs' } });
  for (const [sku, amount] of [
    ['CART-MUG', 1299],
    ['CART-POT', 2500],
    ['CART-CUP', 800],
    ['CART-LID', 300],
  ] as const) {
    const created = await t.inject('POST', '/api/v1/products', {
      token: admin,
      body: { sku, name: `Item ${sku}`, category: 'mugs', price: { amount, currency: 'EUR' } },
    });
    productIds.set(sku, created.json<{ id: string }>().id);
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
const skusAndQuantities = (cart: Cart) => cart.items.map(({ sku, quantity }) => ({ sku, quantity }));

describe('customer cart over HTTP', () => {
  it('starts empty', async () => {
    const other = await t.registerAndLogin('customer');
    expect((await t.inject('GET', '/api/v1/cart', { token: other.token })).json()).toEqual({
      id: other.user.id,
      version: 0,
      items: [],
      total: { amount: 0, currency: 'EUR' },
      needsRefresh: false,
    });
  });

  it('is for customers and guests: staff and admins get 403, a bad access token 401 (never a guest cart)', async () => {
    for (const token of [(await t.registerAndLogin('staff')).token, admin]) {
      const refused = await t.inject('GET', '/api/v1/cart', { token });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'auth.forbidden' });
    }
    for (const authorization of ['Bearer not.a.token', 'Basic abc']) {
      const refused = await t.inject('POST', '/api/v1/cart/items', { headers: { authorization }, body: { sku: 'CART-MUG', quantity: 1 } });
      expect(refused.statusCode).toBe(401);
      expect(refused.headers[CART_TOKEN]).toBeUndefined();
    }
  });

  it('adds items with the catalog price, sums repeated adds and totals the cart', async () => {
    expect((await add('CART-MUG', 2)).statusCode).toBe(200);
    const res = await add('CART-MUG', 1);
    expect(res.headers[CART_TOKEN]).toBeUndefined();
    const cart = res.json();
    expect(cart).toMatchObject({
      id: customer.user.id,
      items: [
        {
          sku: 'CART-MUG',
          productId: productIds.get('CART-MUG'),
          name: 'Item CART-MUG',
          quantity: 3,
          unitPrice: { amount: 1299, currency: 'EUR' },
          lineTotal: { amount: 3897, currency: 'EUR' },
          currentUnitPrice: { amount: 1299, currency: 'EUR' },
          priceChanged: false,
          available: true,
        },
      ],
      total: { amount: 3897, currency: 'EUR' },
      needsRefresh: false,
    });
    expect((await t.inject('GET', '/api/v1/cart', { token: customer.token })).json()).toEqual(cart);
  });

  it('refuses unknown SKUs (404), bad quantities (400) and more than 99 per line (409)', async () => {
    expect((await add('NOPE', 1)).json()).toMatchObject({ status: 404, code: 'cart.unknown_sku' });
    expect((await add('CART-POT', 0)).statusCode).toBe(400);
    expect((await add('CART-POT', 100)).statusCode).toBe(400);
    expect((await add('CART-MUG', 97)).json()).toMatchObject({ status: 409, code: 'cart.line_quantity_exceeded' });
  });

  it('refuses prices, names and ids in the body (mass assignment), from customers and guests alike', async () => {
    for (const extra of [
      { unitPrice: { amount: 1, currency: 'EUR' } },
      { price: { amount: 1, currency: 'EUR' } },
      { name: 'Free' },
      { cartId: newId() },
    ]) {
      const body = { sku: 'CART-POT', quantity: 1, ...extra };
      const asCustomer = await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body });
      const asGuestCaller = await t.inject('POST', '/api/v1/cart/items', { body });
      for (const res of [asCustomer, asGuestCaller]) {
        expect(res.statusCode).toBe(400);
        expect(res.headers[CART_TOKEN]).toBeUndefined();
      }
    }
  });

  it('removes an item, and answers 404 cart.item_not_found when absent', async () => {
    await add('CART-POT', 1);
    const cart = (await t.inject('DELETE', '/api/v1/cart/items/CART-POT', { token: customer.token })).json();
    expect(cart.items.map((i: { sku: string }) => i.sku)).toEqual(['CART-MUG']);
    expect((await t.inject('DELETE', '/api/v1/cart/items/CART-POT', { token: customer.token })).json()).toMatchObject({
      status: 404,
      code: 'cart.item_not_found',
    });
  });

  it('removes the ordered quantities when ordering.order-placed.v1 arrives, once', async () => {
    const buyer = await t.registerAndLogin('customer');
    await add('CART-MUG', 2, buyer.token);
    await add('CART-POT', 1, buyer.token);
    const snapshot = await t.get(CartContents).getCart(buyer.user.id);
    await add('CART-MUG', 1, buyer.token);
    const data: OrderPlacedV1 = {
      orderId: newId(),
      customerId: buyer.user.id,
      cartId: buyer.user.id,
      lines: snapshot.lines,
      total: { amount: 5098, currency: 'EUR' },
    };
    const message = { id: newId(), type: OrderingMessages.orderPlaced, occurredAt: new Date().toISOString(), correlationId: newId(), data };
    await t.get(MessageBus).publish([message]);
    await t.get(MessageBus).publish([message]);
    const cart = (await t.inject('GET', '/api/v1/cart', { token: buyer.token })).json<Cart>();
    expect(skusAndQuantities(cart)).toEqual([{ sku: 'CART-MUG', quantity: 1 }]);
  });
});

describe('prices', () => {
  it('checkout refuses a cart whose price changed (409) until the cart is refreshed', async () => {
    const shopper = await t.registerAndLogin('customer');
    await add('CART-POT', 2, shopper.token);
    await add('CART-CUP', 1, shopper.token);
    const contents = t.get(CartContents);
    expect((await contents.getCartForCheckout(shopper.user.id)).lines).toHaveLength(2);

    const revised = await t.inject('PATCH', `/api/v1/products/${productIds.get('CART-POT')}`, {
      token: admin,
      body: { price: { amount: 2700, currency: 'EUR' } },
    });
    expect(revised.statusCode).toBe(200);
    await expect(contents.getCartForCheckout(shopper.user.id)).rejects.toMatchObject({
      code: 'cart.price_changed',
      details: {
        lines: [{ sku: 'CART-POT', cartPrice: { amount: 2500, currency: 'EUR' }, currentPrice: { amount: 2700, currency: 'EUR' } }],
        previousTotal: { amount: 5800, currency: 'EUR' },
        currentTotal: { amount: 6200, currency: 'EUR' },
      },
    });
    const shown = (await t.inject('GET', '/api/v1/cart', { token: shopper.token })).json();
    expect(shown).toMatchObject({
      needsRefresh: true,
      items: [
        { sku: 'CART-POT', priceChanged: true, unitPrice: { amount: 2500 }, currentUnitPrice: { amount: 2700 } },
        { sku: 'CART-CUP', priceChanged: false },
      ],
    });

    const headers = { 'idempotency-key': newId() };
    const refreshed = await t.inject('POST', '/api/v1/cart/refresh', { token: shopper.token, headers });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json()).toMatchObject({
      needsRefresh: false,
      repriced: [{ sku: 'CART-POT', previousPrice: { amount: 2500 }, unitPrice: { amount: 2700 } }],
      dropped: [],
      total: { amount: 6200 },
    });
    expect((await t.inject('POST', '/api/v1/cart/refresh', { token: shopper.token, headers })).headers['idempotent-replayed']).toBe('true');
    expect((await contents.getCartForCheckout(shopper.user.id)).lines).toMatchObject([
      { sku: 'CART-POT', unitPrice: { amount: 2700 } },
      { sku: 'CART-CUP', unitPrice: { amount: 800 } },
    ]);
  });

  it('refuses to add an unpublished product, and checkout refuses one already in the cart until refresh drops it', async () => {
    const shopper = await t.registerAndLogin('customer');
    await add('CART-LID', 1, shopper.token);
    await add('CART-MUG', 1, shopper.token);
    const catalog = t.get(ProductCatalog);
    const current = catalog.findBySkus.bind(catalog);
    const unpublished = vi
      .spyOn(catalog, 'findBySkus')
      .mockImplementation(async (skus) => (await current(skus)).map((p) => (p.sku === 'CART-LID' ? { ...p, published: false } : p)));
    try {
      expect((await add('CART-LID', 1, shopper.token)).json()).toMatchObject({ status: 404, code: 'cart.unknown_sku' });
      expect((await guestAdd('CART-LID', 1)).json()).toMatchObject({ status: 404, code: 'cart.unknown_sku' });
      await expect(t.get(CartContents).getCartForCheckout(shopper.user.id)).rejects.toMatchObject({
        code: 'cart.item_unavailable',
        details: { skus: ['CART-LID'] },
      });
      expect((await t.inject('GET', '/api/v1/cart', { token: shopper.token })).json()).toMatchObject({
        needsRefresh: true,
        items: [
          { sku: 'CART-LID', available: false, currentUnitPrice: null },
          { sku: 'CART-MUG', available: true },
        ],
      });
      const refreshed = (await t.inject('POST', '/api/v1/cart/refresh', { token: shopper.token })).json();
      expect(refreshed).toMatchObject({ dropped: [{ sku: 'CART-LID', quantity: 1 }], items: [{ sku: 'CART-MUG' }] });
      expect((await t.get(CartContents).getCartForCheckout(shopper.user.id)).lines).toMatchObject([{ sku: 'CART-MUG' }]);
    } finally {
      unpublished.mockRestore();
    }
  });
});
