import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';

/** Search and suggestions over HTTP with hostile input: never a 5xx, every refusal a problem+json 4xx. */

let t: TestApp;

beforeAll(async () => {
  t = await bootTestApp();
  const { token } = await t.registerAndLogin('admin');
  await t.inject('POST', '/api/v1/categories', { token, body: { slug: 'tops', name: 'Tops' } });
  const product = { sku: 'HOSTILE-1', name: 'Plain Shirt', category: 'tops', price: { amount: 1500, currency: 'EUR' } };
  expect((await t.inject('POST', '/api/v1/products', { token, body: product })).statusCode).toBe(201);
});
afterAll(async () => t?.close());

const get = (url: string, query?: Record<string, string>) => t.inject('GET', url, { ...(query ? { query } : {}) });

describe('hostile search input never produces a 5xx', () => {
  const NASTY = [
    "'",
    '"',
    "' or 1=1 --",
    "'; drop table catalog.products; --",
    '&|!:*()<>',
    '!!!',
    'a & b | !c',
    'foo:*',
    '(((((',
    '\\',
    '\\\\\\',
    '$1',
    '%',
    '_',
    '\u0000',
    'shirt\u0000drop',
    '\u0007\u001b[31m',
    '🙂🙃 👩‍👩‍👧',
    'Ωμέγα Ünïcödé ß 漢字 العربية',
    '\ud800',
    '\u202e\u200b\ufeff',
    ' ',
    'x'.repeat(200),
    '<script>alert(1)</script>',
    '{"$gt": ""}',
    'null',
    '-1',
    '1e309',
  ];
  const check = (res: { statusCode: number; headers: Record<string, unknown> }, what: string) => {
    expect(res.statusCode, what).toBeLessThan(500);
    if (res.statusCode >= 400) expect(String(res.headers['content-type']), what).toContain('application/problem+json');
  };

  it('answers every nasty value of every parameter of search and suggest with a 2xx or a problem+json 4xx', async () => {
    for (const value of NASTY) {
      for (const param of ['q', 'category', 'minPrice', 'maxPrice', 'inStock', 'option', 'sort', 'limit', 'cursor'])
        check(await get('/api/v1/search', { [param]: value }), `search ${param}=${JSON.stringify(value)}`);
      check(await get('/api/v1/search/suggest', { q: value }), `suggest ${JSON.stringify(value)}`);
      check(await get('/api/v1/products', { cursor: value }), `products cursor ${JSON.stringify(value)}`);
    }
    expect((await get('/api/v1/search', { q: "'; drop table catalog.products; --" })).statusCode).toBe(200);
    expect((await get('/api/v1/search', { q: 'shirt' })).json().items.map((p: { name: string }) => p.name)).toEqual(['Plain Shirt']);
  });

  it('refuses a query over the maximum length, arrays and malformed encodings with 400', async () => {
    for (const url of [
      `/api/v1/search?q=${'x'.repeat(201)}`,
      `/api/v1/search?q=${encodeURIComponent('é'.repeat(300))}`,
      '/api/v1/search?q=a&q=b',
      '/api/v1/search?minPrice=5&maxPrice=1',
      '/api/v1/search?limit=101',
      '/api/v1/search?sort=price',
      '/api/v1/search/suggest?q=',
      `/api/v1/search/suggest?q=${'y'.repeat(101)}`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type'], url).toContain('application/problem+json');
    }
    for (const url of [
      '/api/v1/search?q=%00',
      '/api/v1/search?q=%FF%FE',
      '/api/v1/search?q=%E0%A4%A',
      '/api/v1/search?q=%',
      '/api/v1/search?q[]=x',
    ])
      check(await get(url), url);
  });

  it('survives random strings (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 250 }),
        fc.constantFrom('/api/v1/search', '/api/v1/search/suggest'),
        async (q, path) => {
          check(await get(path, { q }), `${path} q=${JSON.stringify(q)}`);
        },
      ),
      { numRuns: 150 },
    );
  });
});
