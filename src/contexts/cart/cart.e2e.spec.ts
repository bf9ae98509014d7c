import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { MessageBus } from '../../platform/messaging/message-bus';
import { newId } from '../../shared-kernel/ids';
import { OrderingMessages, type OrderPlacedV1 } from '../ordering/contracts';
import { CartContents } from './contracts';

let t: TestApp;
let customer: { token: string; user: { id: string } };

beforeAll(async () => {
  t = await bootTestApp();
  const admin = (await t.registerAndLogin('admin')).token;
  await t.inject('POST', '/api/v1/categories', { token: admin, body: { slug: 'mugs', name: 'Mugs' } });
  for (const [sku, amount] of [
    ['CART-MUG', 1299],
    ['CART-POT', 2500],
  ] as const) {
    await t.inject('POST', '/api/v1/products', {
      token: admin,
      body: { sku, name: `Item ${sku}`, category: 'mugs', price: { amount, currency: 'EUR' } },
    });
  }
  customer = await t.registerAndLogin('customer');
});
afterAll(async () => t?.close());

const add = (sku: string, quantity: number, token = customer.token) =>
  t.inject('POST', '/api/v1/cart/items', { token, body: { sku, quantity } });

describe('cart over HTTP', () => {
  it('starts empty, needs a signed-in caller', async () => {
    const other = await t.registerAndLogin('customer');
    expect((await t.inject('GET', '/api/v1/cart', { token: other.token })).json()).toEqual({
      id: other.user.id,
      version: 0,
      items: [],
      total: { amount: 0, currency: 'EUR' },
    });
    expect((await t.inject('GET', '/api/v1/cart')).statusCode).toBe(401);
  });

  it('is for customers: staff get 403', async () => {
    const staff = await t.registerAndLogin('staff');
    const refused = await t.inject('GET', '/api/v1/cart', { token: staff.token });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'auth.forbidden' });
  });

  it('adds items with the catalog price, sums repeated adds and totals the cart', async () => {
    expect((await add('CART-MUG', 2)).statusCode).toBe(200);
    const cart = (await add('CART-MUG', 1)).json();
    expect(cart).toMatchObject({
      id: customer.user.id,
      items: [
        {
          sku: 'CART-MUG',
          name: 'Item CART-MUG',
          quantity: 3,
          unitPrice: { amount: 1299, currency: 'EUR' },
          lineTotal: { amount: 3897, currency: 'EUR' },
        },
      ],
      total: { amount: 3897, currency: 'EUR' },
    });
    expect((await t.inject('GET', '/api/v1/cart', { token: customer.token })).json()).toEqual(cart);
  });

  it('refuses unknown SKUs (404), bad quantities (400) and more than 99 per line (409)', async () => {
    expect((await add('NOPE', 1)).json()).toMatchObject({ status: 404, code: 'cart.unknown_sku' });
    expect((await add('CART-POT', 0)).statusCode).toBe(400);
    expect((await add('CART-POT', 100)).statusCode).toBe(400);
    expect((await add('CART-MUG', 97)).json()).toMatchObject({ status: 409, code: 'cart.line_quantity_exceeded' });
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
    const cart = (await t.inject('GET', '/api/v1/cart', { token: buyer.token })).json();
    expect(cart.items.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity }))).toEqual([
      { sku: 'CART-MUG', quantity: 1 },
    ]);
  });
});
