import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { CUSTOMER_ONLY_RESOURCES } from '../src/platform/http/api-keys';
import { newId } from '../src/shared-kernel/ids';
import { appOperations, type Operation, resourceOf, urlOf } from './support/openapi-operations';
import { databaseFingerprint, openSecurityShop, responseViolations, type SecurityShop } from './support/security-shop';

/**
 * S1, OWASP API5 (broken function-level authorization), derived from the app's own OpenAPI document so a new route is
 * probed the day it is added: without credentials (or with bad ones) every route is 401 unless public and reviewed
 * as such, the roles its description names are enforced (customers never reach staff or admin routes, staff never
 * admin-only ones), and an API key holding every scope is still refused admin-only and customer routes. Refusals
 * are problem+json and write nothing. Object-level authorization: object-authorization-probes.e2e.spec.ts.
 */

/** Every route anonymous callers may use, reviewed: a route made public by mistake fails here, not in production. */
const PUBLIC_ROUTES = [
  'POST /api/v1/auth/register',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/logout',
  'GET /api/v1/products',
  'GET /api/v1/products/{id}',
  'GET /api/v1/products/{id}/reviews',
  'GET /api/v1/categories',
  'GET /api/v1/search',
  'GET /api/v1/search/suggest',
  'GET /api/v1/tax-rates',
  'GET /api/v1/shipping-methods',
  // carts belong to guests too: the cart guard resolves whose cart (customer by token, guest by X-Cart-Token)
  'GET /api/v1/cart',
  'POST /api/v1/cart/items',
  'PUT /api/v1/cart/items/{sku}',
  'DELETE /api/v1/cart/items/{sku}',
  'POST /api/v1/cart/refresh',
  // signed by the provider (HMAC over the raw body), verified before the body is read
  'POST /api/v1/payments/webhooks/sandbox',
  'POST /api/v1/shipping/webhooks/sandbox',
  // load balancer and orchestrator probes: a status, never data
  'GET /health/live',
  'GET /health/ready',
];

let shop: SecurityShop;
let operations: Operation[];
let apiKey: string;

beforeAll(async () => {
  shop = await openSecurityShop();
  operations = await appOperations(shop.t);
  // the probes outside /api/v1 (health) have no resource an API key could be scoped to
  const resources = [...new Set(operations.map(resourceOf))].filter((r) => r !== '' && !CUSTOMER_ONLY_RESOURCES.includes(r));
  const scopes = resources.flatMap((r) => [`${r}:read`, `${r}:write`]).slice(0, 50);
  const issued = await shop.ok(shop.send('POST', '/api/v1/api-keys', shop.admin.token, { name: 'probe every scope', scopes }), 201);
  apiKey = issued.json<{ key: string }>().key;
});
afterAll(async () => shop?.t.close());

/** Calls `op` with a syntactically valid URL and no body: the guard, not validation, must answer. */
const call = (op: Operation, credentials: { token?: string; apiKey?: string } = {}) =>
  shop.t.inject(op.method, urlOf(op), {
    token: credentials.token,
    headers: { 'idempotency-key': newId(), ...(credentials.apiKey ? { 'x-api-key': credentials.apiKey } : {}) },
  });

const refusal = (op: Operation, res: InjectResponse, status: number, code: string): string[] => {
  const problems = responseViolations(res).map((v) => `${op.route}: ${v}`);
  const answered = res.json<{ code?: string }>().code;
  if (res.statusCode !== status || answered !== code)
    problems.push(`${op.route}: ${res.statusCode} ${answered}, expected ${status} ${code}`);
  if (status === 401 && !String(res.headers['www-authenticate']).startsWith('Bearer')) problems.push(`${op.route}: no WWW-Authenticate`);
  return problems;
};

/** Runs `probe` on each operation and expects no violation and no write anywhere in the database. */
const sweep = async (ops: Operation[], probe: (op: Operation) => Promise<string[]>, except: string[] = []) => {
  const before = await databaseFingerprint(shop.db, { except });
  const violations: string[] = [];
  for (const op of ops) violations.push(...(await probe(op)));
  expect(violations).toEqual([]);
  expect(await databaseFingerprint(shop.db, { except })).toEqual(before);
};

const adminOnly = (op: Operation) => op.roles.length > 0 && op.roles.every((r) => r === 'admin');
const staffOrAdmin = (op: Operation) => op.roles.length > 0 && !op.roles.includes('customer');
const customerOnly = (op: Operation) => op.roles.length > 0 && op.roles.every((r) => r === 'customer');

describe('function-level authorization of every operation in the OpenAPI document', () => {
  it('derives the probes from a document that is not trivially small', () => {
    expect(operations.length).toBeGreaterThanOrEqual(50);
    expect(operations.filter((op) => !op.isPublic).length).toBeGreaterThanOrEqual(35);
    expect(operations.filter(staffOrAdmin).length).toBeGreaterThanOrEqual(25);
    expect(operations.filter(adminOnly).length).toBeGreaterThanOrEqual(15);
    expect(operations.filter(customerOnly).length).toBeGreaterThanOrEqual(3);
  });

  it('lets anonymous callers reach only the reviewed public routes', () => {
    const publicRoutes = operations.filter((op) => op.isPublic).map((op) => op.route);
    expect(publicRoutes.filter((route) => !PUBLIC_ROUTES.includes(route))).toEqual([]);
  });

  it('answers 401 problem+json to every protected operation called without credentials', async () => {
    await sweep(
      operations.filter((op) => !op.isPublic),
      async (op) => refusal(op, await call(op), 401, 'auth.unauthenticated'),
    );
  });

  it('answers 401 to every protected operation called with a malformed token or an unknown API key', async () => {
    await sweep(
      operations.filter((op) => !op.isPublic),
      async (op) => [
        ...refusal(op, await call(op, { token: 'not-a-jwt' }), 401, 'auth.unauthenticated'),
        ...refusal(op, await call(op, { apiKey: `ok_${'A'.repeat(43)}` }), 401, 'auth.invalid_api_key'),
      ],
    );
  });

  it('refuses customers on every staff and admin operation (403)', async () => {
    await sweep(operations.filter(staffOrAdmin), async (op) =>
      refusal(op, await call(op, { token: shop.alice.token }), 403, 'auth.forbidden'),
    );
  });

  it('refuses staff on every admin-only operation (403)', async () => {
    await sweep(operations.filter(adminOnly), async (op) =>
      refusal(op, await call(op, { token: shop.staff.token }), 403, 'auth.forbidden'),
    );
  });

  it('refuses staff on every customer-only operation (403)', async () => {
    await sweep(operations.filter(customerOnly), async (op) =>
      refusal(op, await call(op, { token: shop.staff.token }), 403, 'auth.forbidden'),
    );
  });

  it('refuses an API key holding every scope on admin-only and customer operations (403)', async () => {
    expect(CUSTOMER_ONLY_RESOURCES).toEqual(expect.arrayContaining(['me', 'cart', 'checkout']));
    const refused = operations.filter((op) => adminOnly(op) || customerOnly(op) || CUSTOMER_ONLY_RESOURCES.includes(resourceOf(op)));
    expect(refused.length).toBeGreaterThanOrEqual(20);
    // an authenticated key records when it was last used (to the minute): that write is by design
    await sweep(refused, async (op) => refusal(op, await call(op, { apiKey }), 403, 'auth.forbidden'), ['identity.api_keys']);
  });

  it('lets that API key through on staff operations of its scopes (the refusals above are about the role)', async () => {
    const staffOps = operations.filter((op) => op.roles.length > 0 && op.roles.every((r) => r === 'staff'));
    expect(staffOps.length).toBeGreaterThanOrEqual(5);
    const violations: string[] = [];
    for (const op of staffOps) {
      const res = await call(op, { apiKey });
      if (res.statusCode === 401 || res.statusCode === 403) violations.push(`${op.route}: ${res.statusCode} ${res.body}`);
      violations.push(...responseViolations(res).map((v) => `${op.route}: ${v}`));
    }
    expect(violations).toEqual([]);
  });
});
