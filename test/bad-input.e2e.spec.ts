import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../src/platform/http/http-server';
import { Database } from '../src/platform/persistence/database';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { writeCounts } from './support/invariants';

/**
 * S1 (and R2's "validation failures store nothing") on the write routes of the real app: every malformed, mistyped,
 * over-assigned, oversized or unauthorized request is refused with the right 4xx as problem+json with a stable code
 * and no internals, and leaves no trace: the events, command results, idempotency keys, orders and carts are counted
 * before and after each request.
 */

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const checkoutBody = { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' };
const SKU = 'BAD-INPUT-1';
const oversized = 'x'.repeat(BODY_LIMIT_BYTES + 1024);
/** What must never reach a client: stack frames, source paths, SQL and driver errors. */
const INTERNALS = /\bat [\w$.<>]+ \(|\.[cm]?[jt]s:\d+|node_modules|"stack"|SQLSTATE|duplicate key|violates|relation "|Error: /i;

let t: TestApp;
let db: Database;
let admin: LoggedIn;
let customer: LoggedIn;
let staff: LoggedIn;
let productId: string;
const tokens: Record<string, string> = {};

type Caller = 'none' | 'customer' | 'staff' | 'admin' | 'forged' | 'alg-none' | 'expired' | 'tampered' | 'id-token' | 'garbage';
type Case = {
  method: string;
  url: string | (() => string);
  as: Caller;
  /** an object is sent as JSON; a string as it is (malformed JSON, empty body) */
  body?: unknown;
  headers?: Record<string, string>;
  /** false: send no Idempotency-Key (by default each request carries a fresh one, so a stored key would show) */
  key?: false;
  status: number;
  code: string;
  /** the zod issue code expected among `errors` */
  issue?: string;
};

beforeAll(async () => {
  t = await bootTestApp();
  db = t.get(Database);
  [admin, customer, staff] = [await t.registerAndLogin('admin'), await t.registerAndLogin('customer'), await t.registerAndLogin('staff')];
  await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'bad-input', name: 'Bad input' } });
  const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
  expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
  const product = await t.inject('POST', '/api/v1/products', {
    token: admin.token,
    body: { sku: SKU, name: 'Kettle', category: 'bad-input', price: { amount: 3100, currency: 'EUR' } },
  });
  productId = product.json().id;
  expect((await t.inject('PUT', `/api/v1/inventory/${SKU}`, { token: admin.token, body: { onHand: 10 } })).statusCode).toBe(200);
  // a cart with an item: a valid checkout would write, so a refused one proves the refusal
  expect((await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku: SKU, quantity: 1 } })).statusCode).toBe(200);
  await t.drain();

  const now = Math.floor(t.clock.now().getTime() / 1000);
  const claims = { sub: customer.user.id, email: customer.user.email, role: 'admin', iss: 'orderly', aud: 'orderly-api' };
  const sign = (secret: string, typ: string, iat: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 900)
      .sign(new TextEncoder().encode(secret));
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const [header, , signature] = customer.token.split('.');
  Object.assign(tokens, {
    customer: customer.token,
    staff: staff.token,
    admin: admin.token,
    forged: await sign('another-secret-of-at-least-32-characters', 'at+jwt', now),
    'alg-none': `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ ...claims, iat: now, exp: now + 900 })}.`,
    expired: await sign(t.config.jwtSecret, 'at+jwt', now - 3600),
    // a customer's real token with the payload rewritten to admin, signature kept
    tampered: `${header}.${b64({ ...claims, iat: now, exp: now + 900 })}.${signature}`,
    // right key, but not an access token (e.g. an ID token)
    'id-token': await sign(t.config.jwtSecret, 'JWT', now),
    garbage: 'not-a-jwt',
  });
});
afterAll(async () => t?.close());

const send = (c: Case) => {
  const headers: Record<string, string> = { ...(c.key === false ? {} : { 'idempotency-key': newId() }), ...c.headers };
  const token = c.as === 'none' ? undefined : tokens[c.as];
  const url = typeof c.url === 'function' ? c.url() : c.url;
  return t.inject(c.method, url, { token, headers, body: c.body });
};

const refusals = (cases: Record<string, Case>) =>
  it.each(Object.entries(cases))('%s', async (_name, c) => {
    const before = await writeCounts(db);
    const res = await send(c);
    expect(res.statusCode, res.body).toBe(c.status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json();
    expect(problem).toMatchObject({ status: c.status, code: c.code, type: `urn:orderly:problem:${c.code}`, title: expect.any(String) });
    expect(problem.correlationId).toBe(res.headers['x-request-id']);
    if (c.issue) expect(problem.errors.map((e: { code: string }) => e.code)).toContain(c.issue);
    if (c.status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).not.toMatch(INTERNALS);
    expect(await writeCounts(db)).toEqual(before);
  });

const json = (status: number, code: string, issue?: string) => ({ status, code, issue });
const invalid = (issue?: string) => json(400, 'request.invalid', issue);
const malformed = json(400, 'request.malformed_json');
const tooLarge = json(413, 'request.body_too_large');
const unauthenticated = json(401, 'auth.unauthenticated');
const forbidden = json(403, 'auth.forbidden');

describe('POST /api/v1/checkout refuses bad input and writes nothing', () => {
  const checkout = { method: 'POST', url: '/api/v1/checkout', as: 'customer' as const };
  refusals({
    'malformed JSON': { ...checkout, body: '{"paymentToken": "tok_approve", ', ...malformed },
    'an empty JSON body': { ...checkout, body: '', ...malformed },
    'a JSON array': { ...checkout, body: [checkoutBody], ...invalid('invalid_type') },
    'JSON null': { ...checkout, body: 'null', ...invalid('invalid_type') },
    'a total (mass assignment of the price)': {
      ...checkout,
      body: { ...checkoutBody, total: { amount: 1, currency: 'EUR' } },
      ...invalid('unrecognized_keys'),
    },
    'a customerId (acting for someone else)': {
      ...checkout,
      body: { ...checkoutBody, customerId: newId() },
      ...invalid('unrecognized_keys'),
    },
    'a status': { ...checkout, body: { ...checkoutBody, status: 'confirmed' }, ...invalid('unrecognized_keys') },
    'a numeric payment token': { ...checkout, body: { ...checkoutBody, paymentToken: 4242424242424242 }, ...invalid('invalid_type') },
    'an address as a string': {
      ...checkout,
      body: { ...checkoutBody, shippingAddress: '12 Analytical Street' },
      ...invalid('invalid_type'),
    },
    'no shipping address': { ...checkout, body: { paymentToken: 'tok_approve' }, ...invalid('invalid_type') },
    'an unknown address field': {
      ...checkout,
      body: { ...checkoutBody, shippingAddress: { ...address, geo: 'x' } },
      ...invalid('unrecognized_keys'),
    },
    'no Idempotency-Key': { ...checkout, body: checkoutBody, key: false, ...json(400, 'idempotency.key_required') },
    'an Idempotency-Key over 255 characters': {
      ...checkout,
      body: checkoutBody,
      key: false,
      headers: { 'idempotency-key': 'k'.repeat(256) },
      ...json(400, 'idempotency.key_too_long'),
    },
    [`a body over ${BODY_LIMIT_BYTES} bytes`]: { ...checkout, body: { ...checkoutBody, paymentToken: oversized }, ...tooLarge },
    'an XML body': {
      ...checkout,
      body: '<checkout/>',
      headers: { 'content-type': 'application/xml' },
      ...json(415, 'request.unsupported_media_type'),
    },
    'a text/plain body': { ...checkout, body: JSON.stringify(checkoutBody), headers: { 'content-type': 'text/plain' }, ...invalid() },
    'no access token': { ...checkout, as: 'none', body: checkoutBody, ...unauthenticated },
    'a staff member (customers only)': { ...checkout, as: 'staff', body: checkoutBody, ...forbidden },
  });
});

describe('the cart routes refuse bad input and write nothing', () => {
  const add = { method: 'POST', url: '/api/v1/cart/items', as: 'customer' as const };
  const change = { method: 'PUT', url: `/api/v1/cart/items/${SKU}`, as: 'customer' as const };
  refusals({
    'quantity 0': { ...add, body: { sku: SKU, quantity: 0 }, ...invalid('too_small') },
    'a negative quantity': { ...add, body: { sku: SKU, quantity: -1 }, ...invalid('too_small') },
    'a fractional quantity': { ...add, body: { sku: SKU, quantity: 1.5 }, ...invalid('invalid_type') },
    'a quantity as a string': { ...add, body: { sku: SKU, quantity: '1' }, ...invalid('invalid_type') },
    'a quantity over 99': { ...add, body: { sku: SKU, quantity: 100 }, ...invalid('too_big') },
    'a quantity of 1e400 (Infinity)': { ...add, body: `{"sku":"${SKU}","quantity":1e400}`, ...invalid() },
    'a unit price (mass assignment)': {
      ...add,
      body: { sku: SKU, quantity: 1, unitPrice: { amount: 1, currency: 'EUR' } },
      ...invalid('unrecognized_keys'),
    },
    'a path as SKU': { ...add, body: { sku: '../../etc/passwd', quantity: 1 }, ...invalid('invalid_format') },
    'no quantity': { ...add, body: { sku: SKU }, ...invalid('invalid_type') },
    'malformed JSON': { ...add, body: '{"sku": ', ...malformed },
    [`a body over ${BODY_LIMIT_BYTES} bytes`]: { ...add, body: { sku: oversized, quantity: 1 }, ...tooLarge },
    'change to quantity 0': { ...change, body: { quantity: 0 }, ...invalid('too_small') },
    'change to a fractional quantity': { ...change, body: { quantity: 2.5 }, ...invalid('invalid_type') },
    'change with an invalid SKU in the path': {
      ...change,
      url: '/api/v1/cart/items/bad%20sku',
      body: { quantity: 1 },
      ...json(400, 'cart.invalid_sku'),
    },
    'remove with an invalid SKU in the path': {
      method: 'DELETE',
      url: '/api/v1/cart/items/%3Cscript%3E',
      as: 'customer',
      ...json(400, 'cart.invalid_sku'),
    },
  });
});

describe('the product and inventory admin routes refuse bad input and write nothing', () => {
  const create = { method: 'POST', url: '/api/v1/products', as: 'admin' as const };
  const product = { sku: 'BAD-NEW-1', name: 'Cup', category: 'bad-input', price: { amount: 900, currency: 'EUR' } };
  const revise = { method: 'PATCH', url: () => `/api/v1/products/${productId}`, as: 'admin' as const };
  const stock = { method: 'PUT', url: `/api/v1/inventory/${SKU}`, as: 'admin' as const };
  refusals({
    'product: price 0': { ...create, body: { ...product, price: { amount: 0, currency: 'EUR' } }, ...invalid('too_small') },
    'product: a negative price': { ...create, body: { ...product, price: { amount: -900, currency: 'EUR' } }, ...invalid('too_small') },
    'product: a fractional price': {
      ...create,
      body: { ...product, price: { amount: 9.99, currency: 'EUR' } },
      ...invalid('invalid_type'),
    },
    'product: a price as a string': {
      ...create,
      body: { ...product, price: { amount: '900', currency: 'EUR' } },
      ...invalid('invalid_type'),
    },
    'product: a lower-case currency': {
      ...create,
      body: { ...product, price: { amount: 900, currency: 'eur' } },
      ...invalid('invalid_format'),
    },
    'product: an id (mass assignment)': { ...create, body: { ...product, id: newId() }, ...invalid('unrecognized_keys') },
    'product: availableStock (mass assignment)': { ...create, body: { ...product, availableStock: 1000 }, ...invalid('unrecognized_keys') },
    'product: an empty name': { ...create, body: { ...product, name: '   ' }, ...invalid('too_small') },
    'product: malformed JSON': { ...create, body: '{"sku": "X",', ...malformed },
    [`product: a body over ${BODY_LIMIT_BYTES} bytes`]: { ...create, body: { ...product, description: oversized }, ...tooLarge },
    'product: a customer (admin only)': { ...create, as: 'customer', body: product, ...forbidden },
    'product: a staff member (admin only)': { ...create, as: 'staff', body: product, ...forbidden },
    'product: no access token': { ...create, as: 'none', body: product, ...unauthenticated },
    'revise: an empty change': { ...revise, body: {}, ...invalid() },
    'revise: the SKU (not revisable)': { ...revise, body: { sku: 'OTHER' }, ...invalid('unrecognized_keys') },
    'revise: price 0': { ...revise, body: { price: { amount: 0, currency: 'EUR' } }, ...invalid('too_small') },
    'revise: a customer': { ...revise, as: 'customer', body: { name: 'Mine now' }, ...forbidden },
    'category: a customer': {
      method: 'POST',
      url: '/api/v1/categories',
      as: 'customer',
      body: { slug: 'mine', name: 'Mine' },
      ...forbidden,
    },
    'stock: a negative on-hand': { ...stock, body: { onHand: -1 }, ...invalid('too_small') },
    'stock: a fractional on-hand': { ...stock, body: { onHand: 2.5 }, ...invalid('invalid_type') },
    'stock: an on-hand as a string': { ...stock, body: { onHand: '5' }, ...invalid('invalid_type') },
    'stock: null': { ...stock, body: { onHand: null }, ...invalid('invalid_type') },
    'stock: over a billion': { ...stock, body: { onHand: 1e10 }, ...invalid('too_big') },
    'stock: reserved (mass assignment)': { ...stock, body: { onHand: 5, reserved: 0 }, ...invalid('unrecognized_keys') },
    'stock: no on-hand': { ...stock, body: {}, ...invalid('invalid_type') },
    'stock: an invalid SKU in the path': {
      ...stock,
      url: '/api/v1/inventory/bad%20sku',
      body: { onHand: 1 },
      ...json(400, 'inventory.invalid_sku'),
    },
    'stock: malformed JSON': { ...stock, body: '{"onHand": 1', ...malformed },
    [`stock: a body over ${BODY_LIMIT_BYTES} bytes`]: { ...stock, body: { onHand: 1, note: oversized }, ...tooLarge },
    'stock: a customer (admin only)': { ...stock, as: 'customer', body: { onHand: 1000 }, ...forbidden },
    'stock: no access token': { ...stock, as: 'none', body: { onHand: 1000 }, ...unauthenticated },
    'orders: a page over 100': { method: 'GET', url: '/api/v1/orders?limit=101', as: 'customer', ...invalid('too_big') },
    'products: a page over 100': { method: 'GET', url: '/api/v1/products?limit=1000', as: 'none', ...invalid('too_big') },
  });
});

describe('forged, unsigned, expired and tampered tokens are refused on write routes, writing nothing', () => {
  const routes = {
    'set stock': { method: 'PUT', url: `/api/v1/inventory/${SKU}`, body: { onHand: 1000 } },
    'add to cart': { method: 'POST', url: '/api/v1/cart/items', body: { sku: SKU, quantity: 1 } },
    checkout: { method: 'POST', url: '/api/v1/checkout', body: checkoutBody },
  };
  const callers: Caller[] = ['forged', 'alg-none', 'expired', 'tampered', 'id-token', 'garbage'];
  refusals(
    Object.fromEntries(
      Object.entries(routes).flatMap(([name, route]) =>
        callers.map((as) => [`${name} with a ${as} token`, { ...route, as, ...unauthenticated }] as const),
      ),
    ),
  );
});

describe("another customer's order", () => {
  it('is answered exactly like an order that does not exist (404), so ids cannot be probed', async () => {
    const owner = await t.registerAndLogin('customer');
    expect((await t.inject('POST', '/api/v1/cart/items', { token: owner.token, body: { sku: SKU, quantity: 1 } })).statusCode).toBe(200);
    const placed = await t.inject('POST', '/api/v1/checkout', {
      token: owner.token,
      headers: { 'idempotency-key': newId() },
      body: checkoutBody,
    });
    expect(placed.statusCode).toBe(202);
    const { orderId } = placed.json<{ orderId: string }>();

    const before = await writeCounts(db);
    const foreign = await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token });
    const missing = await t.inject('GET', `/api/v1/orders/${newId()}`, { token: customer.token });
    for (const res of [foreign, missing]) {
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const shape = (body: Record<string, unknown>) => ({ ...body, instance: undefined, correlationId: undefined, details: undefined });
    expect(shape(foreign.json())).toEqual(shape(missing.json()));
    expect(foreign.body).not.toMatch(/Ada|Analytical|tok_/);
    expect(await writeCounts(db)).toEqual(before);
    expect((await t.inject('GET', `/api/v1/orders/${orderId}`, { token: owner.token })).statusCode).toBe(200);
  });
});
