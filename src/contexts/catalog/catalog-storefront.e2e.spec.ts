import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { type IntegrationMessage, MessageBus } from '../../platform/messaging/message-bus';
import { newId } from '../../shared-kernel/ids';
import { ReviewMessages } from '../reviews/contracts';

let t: TestApp;
let admin: string;
let staff: string;
let customer: string;
const published: IntegrationMessage[] = [];
const eur = (amount: number) => ({ amount, currency: 'EUR' });

const shirt = {
  name: 'Merino Crew T-Shirt',
  description: 'Fine merino wool',
  category: 'tops',
  options: [
    { name: 'Color', values: ['Navy', 'Grey'] },
    { name: 'Size', values: ['S', 'M', 'L'] },
  ],
  variants: [
    { sku: 'MER-NS', price: eur(4900), weightGrams: 180, options: { Color: 'Navy', Size: 'S' } },
    { sku: 'MER-NM', price: eur(4900), weightGrams: 190, options: { Color: 'Navy', Size: 'M' } },
    { sku: 'MER-GL', price: eur(5400), weightGrams: 200, options: { Color: 'Grey', Size: 'L' } },
  ],
  images: ['https://images.example.com/merino/navy.jpg'],
};

beforeAll(async () => {
  t = await bootTestApp();
  await t
    .get(MessageBus)
    .subscribe(
      'test.catalog-storefront',
      ['catalog.product-unpublished.v1', 'catalog.product-published.v1', 'catalog.variant-added.v1'],
      async (m) => void published.push(m),
    );
  [admin, staff, customer] = await Promise.all(
    ['admin', 'staff', 'customer'].map(async (role) => (await t.registerAndLogin(role as 'admin')).token),
  );
  for (const [slug, name, parent] of [
    ['apparel', 'Apparel'],
    ['tops', 'Tops', 'apparel'],
    ['tees', 'Tees', 'tops'],
    ['home', 'Home'],
  ]) {
    const res = await t.inject('POST', '/api/v1/categories', { token: admin, body: { slug, name, ...(parent ? { parent } : {}) } });
    expect(res.statusCode).toBe(201);
  }
});
afterAll(async () => t?.close());

const post = (url: string, body?: object, token = admin) => t.inject('POST', url, { token, ...(body ? { body } : {}) });
const get = (url: string, token?: string, query?: Record<string, string>) =>
  t.inject('GET', url, { ...(token ? { token } : {}), ...(query ? { query } : {}) });

describe('products with options and variants', () => {
  it('creates a product of several variants and shows each with its SKU, price, weight and stock', async () => {
    const res = await post('/api/v1/products', shirt);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'Merino Crew T-Shirt',
      sku: 'MER-NS',
      price: eur(4900),
      options: shirt.options,
      variants: [
        { sku: 'MER-NS', options: { Color: 'Navy', Size: 'S' }, weightGrams: 180, availableStock: 0 },
        { sku: 'MER-NM' },
        { sku: 'MER-GL', price: eur(5400) },
      ],
      images: shirt.images,
      published: true,
    });
    expect((await t.inject('PUT', '/api/v1/inventory/MER-GL', { token: admin, body: { onHand: 4 } })).statusCode).toBe(200);
    await t.drain();
    const product = (await get(`/api/v1/products/${res.json().id}`)).json();
    expect(product).toMatchObject({ availableStock: 4, variants: [{ availableStock: 0 }, { availableStock: 0 }, { availableStock: 4 }] });
  });

  it.each([
    ['rating', { rating: { average: 5, count: 1000 } }],
    ['published', { published: false }],
    ['id', { id: newId() }],
    ['availableStock', { availableStock: 10 }],
  ])('refuses %s in a product body (mass assignment)', async (_, extra) => {
    const res = await post('/api/v1/products', { sku: 'MASS-1', name: 'Mass', category: 'home', price: eur(100), ...extra });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'unrecognized_keys' })]));
  });

  it('refuses mixed forms, stock on a variant, an http image, and a revision of rating or published', async () => {
    const product = (
      await post('/api/v1/products', { ...shirt, name: 'Other', variants: [{ ...shirt.variants[0], sku: 'OTH-1' }] })
    ).json();
    for (const body of [
      { ...shirt, sku: 'X-1', price: eur(1) },
      { ...shirt, variants: [{ ...shirt.variants[0], availableStock: 5 }] },
      { ...shirt, images: ['http://images.example.com/a.jpg'] },
      { name: 'No SKU', category: 'home' },
    ])
      expect((await post('/api/v1/products', body)).statusCode).toBe(400);
    for (const body of [{ rating: { average: 5, count: 1 } }, { published: false }, { id: newId() }])
      expect((await t.inject('PATCH', `/api/v1/products/${product.id}`, { token: admin, body })).statusCode).toBe(400);
  });

  it('adds a variant (admin), reprices one, and refuses a SKU another product has', async () => {
    const { id } = (await get('/api/v1/search', undefined, { q: 'merino' })).json().items[0];
    const added = await post(`/api/v1/products/${id}/variants`, {
      sku: 'MER-BM',
      price: eur(4900),
      options: { Color: 'Black', Size: 'M' },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json().options[0]).toEqual({ name: 'Color', values: ['Navy', 'Grey', 'Black'] });
    expect(
      (await post(`/api/v1/products/${id}/variants`, { sku: 'OTH-1', price: eur(1), options: { Color: 'Red', Size: 'S' } })).json(),
    ).toMatchObject({
      status: 409,
      code: 'catalog.sku_taken',
    });
    expect((await post(`/api/v1/products/${id}/variants`, { sku: 'MER-X', price: eur(1) }, customer)).statusCode).toBe(403);
    const repriced = await t.inject('PATCH', `/api/v1/products/${id}/variants/MER-BM`, { token: admin, body: { price: eur(3900) } });
    expect(repriced.json()).toMatchObject({ price: eur(3900) });
    expect(
      (await t.inject('PATCH', `/api/v1/products/${id}/variants/NOPE`, { token: admin, body: { price: eur(1) } })).json(),
    ).toMatchObject({
      code: 'catalog.variant_not_found',
    });
    await t.drain();
    expect(published.find((m) => m.type === 'catalog.variant-added.v1')?.data).toMatchObject({ productId: id, sku: 'MER-BM' });
  });
});

describe('publication', () => {
  it('hides an unpublished product from customers and anonymous callers, not from staff, and shows it again when published', async () => {
    const { id } = (await post('/api/v1/products', { sku: 'SECRET-1', name: 'Prototype Lamp', category: 'home', price: eur(9900) })).json();
    const visible = async (token?: string) => ({
      get: (await get(`/api/v1/products/${id}`, token)).statusCode,
      listed: (await get('/api/v1/products', token, { category: 'home', limit: '100' }))
        .json()
        .items.some((p: { id: string }) => p.id === id),
      found: (await get('/api/v1/search', token, { q: 'prototype lamp' })).json().items.length,
    });
    // read once so that a cached copy would show if the change did not reach the next read
    expect(await visible()).toEqual({ get: 200, listed: true, found: 1 });

    const hidden = await post(`/api/v1/products/${id}/unpublish`);
    expect(hidden.statusCode).toBe(200);
    expect(hidden.json().published).toBe(false);
    expect(await visible()).toEqual({ get: 404, listed: false, found: 0 });
    expect(await visible(customer)).toEqual({ get: 404, listed: false, found: 0 });
    expect((await get(`/api/v1/products/${id}`)).json()).toMatchObject({ status: 404, code: 'catalog.product_not_found' });
    expect(await visible(staff)).toEqual({ get: 200, listed: true, found: 0 });
    expect((await get(`/api/v1/products/${id}`, staff)).json().published).toBe(false);
    expect((await get('/api/v1/search/suggest', undefined, { q: 'protot' })).json().items).toEqual([]);

    expect((await post(`/api/v1/products/${id}/publish`, undefined, customer)).statusCode).toBe(403);
    expect((await t.inject('POST', `/api/v1/products/${id}/publish`)).statusCode).toBe(401);
    expect((await post(`/api/v1/products/${id}/publish`, undefined, staff)).statusCode).toBe(403);
    expect((await post(`/api/v1/products/${id}/publish`)).json().published).toBe(true);
    expect(await visible(customer)).toEqual({ get: 200, listed: true, found: 1 });

    await t.drain();
    expect(published.filter((m) => (m.data as { productId: string }).productId === id).map((m) => [m.type, m.data])).toEqual([
      ['catalog.product-unpublished.v1', { productId: id, skus: ['SECRET-1'] }],
      ['catalog.product-published.v1', { productId: id, skus: ['SECRET-1'] }],
    ]);
    expect((await post(`/api/v1/products/${newId()}/unpublish`)).statusCode).toBe(404);
  });
});

describe('public reads', () => {
  it('answers a repeated anonymous read from memory exactly as the first time, headers included', async () => {
    const url = '/api/v1/products?limit=3&category=tops';
    const [first, second] = [await get(url), await get(url)];
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    const headers = (res: typeof first) =>
      Object.fromEntries(Object.entries(res.headers).filter(([name]) => !['x-request-id', 'date', 'content-length'].includes(name)));
    expect(headers(second)).toEqual(headers(first));
    expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(second.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('category tree', () => {
  it('shows the tree and filters a category with its descendants', async () => {
    const { id } = (await post('/api/v1/products', { sku: 'TEE-1', name: 'Basic Tee', category: 'tees', price: eur(1500) })).json();
    const { tree } = (await get('/api/v1/categories')).json();
    expect(tree).toEqual(
      expect.arrayContaining([
        {
          slug: 'apparel',
          name: 'Apparel',
          children: [{ slug: 'tops', name: 'Tops', children: [{ slug: 'tees', name: 'Tees', children: [] }] }],
        },
      ]),
    );
    for (const category of ['apparel', 'tops', 'tees']) {
      expect((await get('/api/v1/products', undefined, { category })).json().items.map((p: { id: string }) => p.id)).toContain(id);
      expect((await get('/api/v1/search', undefined, { category })).json().items.map((p: { id: string }) => p.id)).toContain(id);
    }
    expect((await get('/api/v1/products', undefined, { category: 'home' })).json().items.map((p: { id: string }) => p.id)).not.toContain(
      id,
    );
    const facets = (await get('/api/v1/search', undefined, { category: 'apparel' })).json().facets.categories;
    expect(facets).toEqual(expect.arrayContaining([{ slug: 'tees', name: 'Tees', count: 1 }]));
  });

  it('is at most 6 levels deep', async () => {
    let parent = 'tees';
    for (const slug of ['tees-4', 'tees-5', 'tees-6']) {
      expect((await post('/api/v1/categories', { slug, name: slug, parent })).statusCode).toBe(201);
      parent = slug;
    }
    expect((await post('/api/v1/categories', { slug: 'tees-7', name: 'Too deep', parent })).json()).toMatchObject({
      status: 400,
      code: 'catalog.category_too_deep',
    });
  });
});

describe('ratings from reviews', () => {
  it('shows the latest rating of reviews.product-rating-changed.v1 and drops a stale one', async () => {
    const { id } = (await post('/api/v1/products', { sku: 'RATED-1', name: 'Rated Vase', category: 'home', price: eur(2500) })).json();
    const rating = (average: number, count: number, version: number): IntegrationMessage => ({
      id: newId(),
      type: ReviewMessages.productRatingChanged,
      occurredAt: new Date().toISOString(),
      correlationId: newId(),
      data: { productId: id, average, count, version },
    });
    expect((await get(`/api/v1/products/${id}`)).json().rating).toEqual({ average: 0, count: 0 });
    await t.get(MessageBus).publish([rating(4.25, 4, 2)]);
    await t.get(MessageBus).publish([rating(1, 1, 1)]);
    await t.drain();
    expect((await get(`/api/v1/products/${id}`)).json().rating).toEqual({ average: 4.25, count: 4 });
    expect((await get('/api/v1/search', undefined, { q: 'rated vase' })).json().items[0].rating).toEqual({ average: 4.25, count: 4 });
  });
});
