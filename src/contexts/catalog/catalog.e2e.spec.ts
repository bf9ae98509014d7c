import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { type IntegrationMessage, MessageBus } from '../../platform/messaging/message-bus';

let t: TestApp;
let admin: string;
let customer: string;
const published: IntegrationMessage[] = [];

beforeAll(async () => {
  t = await bootTestApp();
  await t
    .get(MessageBus)
    .subscribe('test.catalog-listener', ['catalog.product-created.v1', 'catalog.product-repriced.v1'], async (m) => void published.push(m));
  admin = (await t.registerAndLogin('admin')).token;
  customer = (await t.registerAndLogin('customer')).token;
  for (const [slug, name] of [
    ['tea', 'Tea'],
    ['coffee', 'Coffee'],
  ]) {
    expect((await t.inject('POST', '/api/v1/categories', { token: admin, body: { slug, name } })).statusCode).toBe(201);
  }
});
afterAll(async () => t?.close());

const create = (body: object, token = admin) => t.inject('POST', '/api/v1/products', { token, body });
const product = (sku: string, category = 'tea', amount = 1250) => ({
  sku,
  name: `Product ${sku}`,
  category,
  price: { amount, currency: 'EUR' },
});

describe('catalog over HTTP', () => {
  it('creates a product (admin), shows it publicly and publishes catalog.product-created.v1', async () => {
    const res = await create({ ...product('TEA-1'), description: 'Smoky' });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toEqual({
      id: expect.any(String),
      sku: 'TEA-1',
      name: 'Product TEA-1',
      description: 'Smoky',
      category: 'tea',
      price: { amount: 1250, currency: 'EUR' },
      availableStock: 0,
      options: [],
      variants: [{ sku: 'TEA-1', options: {}, price: { amount: 1250, currency: 'EUR' }, weightGrams: 0, availableStock: 0 }],
      images: [],
      published: true,
      rating: { average: 0, count: 0 },
    });
    expect((await t.inject('GET', `/api/v1/products/${created.id}`)).json()).toEqual(created);
    await t.drain();
    expect(published.find((m) => (m.data as { productId: string }).productId === created.id)).toMatchObject({
      type: 'catalog.product-created.v1',
    });
  });

  it('refuses a taken SKU (409), an unknown category (422), extra fields (400) and non-admins (403)', async () => {
    await create(product('TEA-2'));
    expect((await create(product('TEA-2'))).json()).toMatchObject({ status: 409, code: 'catalog.sku_taken' });
    expect((await create(product('TEA-3', 'nope'))).json()).toMatchObject({ status: 422, code: 'catalog.unknown_category' });
    expect((await create({ ...product('TEA-4'), id: 'x' })).statusCode).toBe(400);
    expect((await create({ ...product('TEA-5'), price: { amount: 0, currency: 'EUR' } })).statusCode).toBe(400);
    expect((await create(product('TEA-6'), customer)).statusCode).toBe(403);
    expect((await t.inject('POST', '/api/v1/products', { body: product('TEA-7') })).statusCode).toBe(401);
  });

  it('answers 404 catalog.product_not_found for unknown and malformed ids', async () => {
    for (const id of ['0190f000-0000-7000-8000-000000000000', 'not-a-uuid']) {
      expect((await t.inject('GET', `/api/v1/products/${id}`)).json()).toMatchObject({ status: 404, code: 'catalog.product_not_found' });
    }
  });

  it('pages with an opaque cursor and filters by category slug', async () => {
    for (let i = 0; i < 5; i++) await create(product(`COF-${i}`, 'coffee'));
    const first = (await t.inject('GET', '/api/v1/products', { query: { category: 'coffee', limit: '2' } })).json();
    expect(first.items.map((p: { sku: string }) => p.sku)).toEqual(['COF-0', 'COF-1']);
    const second = (
      await t.inject('GET', '/api/v1/products', { query: { category: 'coffee', limit: '2', cursor: first.nextCursor } })
    ).json();
    expect(second.items.map((p: { sku: string }) => p.sku)).toEqual(['COF-2', 'COF-3']);
    const last = (
      await t.inject('GET', '/api/v1/products', { query: { category: 'coffee', limit: '2', cursor: second.nextCursor } })
    ).json();
    expect(last).toMatchObject({ items: [{ sku: 'COF-4' }], nextCursor: null });
    expect((await t.inject('GET', '/api/v1/products', { query: { limit: '101' } })).statusCode).toBe(400);
    expect((await t.inject('GET', '/api/v1/products', { query: { cursor: 'bogus' } })).json()).toMatchObject({
      code: 'catalog.invalid_cursor',
    });
    expect((await t.inject('GET', '/api/v1/products')).json().items.length).toBeLessThanOrEqual(20);
  });

  it('revises a product (admin) and publishes catalog.product-repriced.v1', async () => {
    const { id } = (await create(product('TEA-R'))).json();
    const res = await t.inject('PATCH', `/api/v1/products/${id}`, {
      token: admin,
      body: { name: 'Oolong', price: { amount: 1490, currency: 'EUR' }, category: 'coffee' },
    });
    expect(res.json()).toMatchObject({ id, name: 'Oolong', category: 'coffee', price: { amount: 1490, currency: 'EUR' } });
    expect((await t.inject('PATCH', `/api/v1/products/${id}`, { token: admin, body: {} })).statusCode).toBe(400);
    expect((await t.inject('PATCH', `/api/v1/products/${id}`, { token: admin, body: { category: 'nope' } })).statusCode).toBe(422);
    await t.drain();
    expect(
      published.find((m) => m.type === 'catalog.product-repriced.v1' && (m.data as { productId: string }).productId === id)?.data,
    ).toMatchObject({
      price: { amount: 1490, currency: 'EUR' },
      previousPrice: { amount: 1250, currency: 'EUR' },
    });
  });

  it('shows the stock inventory publishes as availableStock', async () => {
    const { id } = (await create(product('TEA-S'))).json();
    expect((await t.inject('PUT', '/api/v1/inventory/TEA-S', { token: admin, body: { onHand: 7 } })).statusCode).toBe(200);
    await t.drain();
    expect((await t.inject('GET', `/api/v1/products/${id}`)).json().availableStock).toBe(7);
  });

  it('lists the categories publicly, also as a tree', async () => {
    const res = (await t.inject('GET', '/api/v1/categories')).json();
    expect(res.items).toEqual(
      expect.arrayContaining([
        { slug: 'tea', name: 'Tea' },
        { slug: 'coffee', name: 'Coffee' },
      ]),
    );
    expect(res.tree).toEqual(
      expect.arrayContaining([
        { slug: 'tea', name: 'Tea', children: [] },
        { slug: 'coffee', name: 'Coffee', children: [] },
      ]),
    );
  });
});
