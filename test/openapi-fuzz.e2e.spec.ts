import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_ONLY_RESOURCES } from '../src/platform/http/api-keys';
import { signWebhook } from '../src/platform/http/webhook-signature';
import { newId } from '../src/shared-kernel/ids';
import {
  type BaseBody,
  type Case,
  deepCases,
  documentCases,
  headerCases,
  pathCases,
  queryCases,
  routerRefusedCases,
  seedOf,
  unstorableCases,
  valueCases,
} from './support/fuzz-cases';
import { appOperations, type Caller, type Operation, sampleOf, strongestCaller, urlOf } from './support/openapi-operations';
import {
  CATEGORY,
  CHECKOUT,
  openSecurityShop,
  PRICE,
  responseViolations,
  type SecurityShop,
  SHIPPING_ADDRESS,
} from './support/security-shop';

/**
 * S1 and RELIABILITY.md "the API is fuzzed from its own OpenAPI document": every operation that reads a body, a
 * query or path parameters gets hostile values (SQL and template injection, NUL, lone surrogates and control
 * characters, very long and odd Unicode strings, numbers where strings belong and back, deep nesting, prototype
 * pollution, JSON that fast-check makes up; see support/fuzz-cases.ts) from the strongest caller the route serves.
 * Never a 5xx; every error is problem+json with a stable code and no internals. Cases per route are fixed and the
 * generators seeded per route, so a failure reproduces.
 */

let shop: SecurityShop;
let operations: Operation[];
const values: Record<string, string> = {};

beforeAll(async () => {
  shop = await openSecurityShop({
    // hostile logins would otherwise slow the test client's address down
    configOverrides: {
      loginThrottle: {
        pairFreeFailures: 100_000,
        accountFreeFailures: 100_000,
        addressFreeFailures: 100_000,
        baseDelayS: 1,
        maxDelayS: 1,
        forgetAfterS: 60,
        knownSourceDays: 30,
      },
    },
  });
  operations = await appOperations(shop.t);
  const orderId = await shop.confirmedOrder(shop.alice, 1);
  Object.assign(values, {
    'me.id': await shop.addAddress(shop.alice),
    'orders.id': orderId,
    'payments.orderId': orderId,
    'shipments.orderId': orderId,
    sku: shop.product.sku,
    code: 'standard',
  });
  // delivered products, so reviews are fuzzed past the purchase check: one to review, one already reviewed (to hide)
  const [reviewable, reviewed] = [await shop.stockedProduct(), await shop.stockedProduct()];
  await shop.deliveredOrder(shop.alice, 1, reviewable.sku);
  await shop.deliveredOrder(shop.alice, 1, reviewed.sku);
  const review = await shop.ok(
    shop.send('POST', `/api/v1/products/${reviewed.productId}/reviews`, shop.alice.token, {
      rating: 5,
      text: 'Lovely mug, keeps tea hot.',
    }),
    201,
  );
  Object.assign(values, { 'products.id': reviewable.productId, 'reviews.id': review.json<{ id: string }>().id });
  await shop.addToCart(shop.alice, shop.product.sku, 1);
});
afterAll(async () => shop?.t.close());

/**
 * A realistic body per route where one is easy to give (deeper paths are reached), the schema's sample otherwise;
 * fresh per case where a success would make the next case a conflict (a new email, a new SKU).
 */
const baseBody: BaseBody = (op) => {
  const known: Record<string, unknown> = {
    'POST /api/v1/auth/register': { email: `fuzz-${newId()}@example.com`, password: 'correct horse battery staple', name: 'Fuzz' },
    'POST /api/v1/auth/login': { email: shop.alice.user.email, password: 'wrong password' },
    'POST /api/v1/me/addresses': SHIPPING_ADDRESS,
    'PATCH /api/v1/me/addresses/{id}': { city: 'Oxford' },
    'POST /api/v1/products': { sku: `FUZZ-${newId().slice(-8)}`, name: 'Fuzz', category: CATEGORY, price: PRICE },
    'PATCH /api/v1/products/{id}': { name: 'Fuzz', price: PRICE },
    'POST /api/v1/cart/items': { sku: shop.product.sku, quantity: 1 },
    'PUT /api/v1/cart/items/{sku}': { quantity: 1 },
    'POST /api/v1/checkout': CHECKOUT,
    'POST /api/v1/orders/{id}/returns': { lines: [{ sku: shop.product.sku, quantity: 1 }] },
    'POST /api/v1/orders/{id}/ship': { carrier: 'sandbox', trackingNumber: 'SBX000000001' },
    'POST /api/v1/orders/{id}/refunds': { amount: 100, reason: 'goodwill' },
    'POST /api/v1/shipping-methods': { code: 'fuzz', name: 'Fuzz', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 1 } },
    'POST /api/v1/payments/webhooks/sandbox': {
      id: 'evt_fuzz',
      type: 'payment.captured',
      created: 1,
      data: { paymentId: values['orders.id'], providerRef: 'ref', amount: 1, currency: 'EUR' },
    },
    'POST /api/v1/shipping/webhooks/sandbox': {
      id: 'evt-fuzz',
      trackingNumber: 'SBX000000001',
      status: 'in_transit',
      occurredAt: '2030-01-01T00:00:00Z',
    },
  };
  return structuredClone(known[op.route] ?? sampleOf(op.body!, seedOf(op.route)));
};

const tokenOf = (caller: Caller): string | undefined =>
  caller === 'customer' ? shop.alice.token : caller === 'admin' ? shop.admin.token : undefined;

/** Sends one fuzz case; webhooks are signed over the exact bytes so the fuzz reaches their parsers. */
const send = (op: Operation, url: string, body?: string, headers: Record<string, string> = {}) => {
  const signed = op.path.includes('/webhooks/') && body !== undefined;
  const secret = op.path.startsWith('/api/v1/payments') ? shop.t.config.paymentWebhookSecret : shop.t.config.carrierWebhookSecret;
  const now = Math.floor(shop.t.clock.now().getTime() / 1000);
  return shop.t.inject(op.method, url, {
    token: tokenOf(strongestCaller(op, CUSTOMER_ONLY_RESOURCES)),
    body,
    headers: {
      'idempotency-key': newId(),
      ...(signed ? { 'x-sandbox-signature': signWebhook(secret, body, now) } : {}),
      ...headers,
    },
  });
};

/** Runs every case and returns one line per violation: route, case, status and the start of the body. */
const fuzz = async (op: Operation, cases: Case[]) => {
  const violations: string[] = [];
  for (const c of cases) {
    let res: InjectResponse;
    try {
      res = await send(op, c.url ?? urlOf(op, values), c.body, c.headers);
    } catch (error) {
      violations.push(`${op.route} [${c.name}]: the request could not be made: ${(error as Error).message}`);
      continue;
    }
    const found = responseViolations(res);
    if (found.length > 0) violations.push(`${op.route} [${c.name}] → ${res.statusCode}: ${found.join(', ')}; ${res.body.slice(0, 120)}`);
  }
  return violations;
};

describe('fuzzing every operation of the OpenAPI document: never a 5xx, every error problem+json', () => {
  const withBody = () => operations.filter((op) => op.body);
  const withQuery = () => operations.filter((op) => op.query.length > 0);
  const withPath = () => operations.filter((op) => op.pathParams.length > 0);
  const all = async (ops: Operation[], cases: (op: Operation) => Case[]) => {
    const violations: string[] = [];
    for (const op of ops) violations.push(...(await fuzz(op, cases(op))));
    return violations;
  };

  it('has a document worth fuzzing', () => {
    expect(withBody().length).toBeGreaterThanOrEqual(30);
    expect(withQuery().length).toBeGreaterThanOrEqual(8);
    expect(withPath().length).toBeGreaterThanOrEqual(25);
  });

  // first, while the shop is as the fixture left it (later cases check out the cart, cancel the order…)
  it('NUL and lone surrogates in every string of a body and every query parameter, NUL in every path parameter', async () => {
    expect(await all(operations, (op) => unstorableCases(op, baseBody, urlOf(op, values)))).toEqual([]);
  });

  it('hostile values in body fields: wrong types, injections, huge and odd strings and numbers, fast-check JSON', async () => {
    expect(await all(withBody(), (op) => valueCases(op, baseBody))).toEqual([]);
  });

  it('bodies that are not the document expected: other JSON types, broken JSON, huge numbers, prototype pollution', async () => {
    expect(await all(withBody(), (op) => documentCases(op, baseBody))).toEqual([]);
  });

  it('JSON nested thousands of levels deep', async () => {
    expect(await all(withBody(), deepCases)).toEqual([]);
  });

  it('hostile query strings', async () => {
    expect(await all(withQuery(), (op) => queryCases(op, urlOf(op, values)))).toEqual([]);
  });

  it('hostile path parameters', async () => {
    expect(await all(withPath(), (op) => pathCases(op, baseBody))).toEqual([]);
  });

  it('URLs the router itself refuses: a path parameter over 100 characters, a path that is not UTF-8', async () => {
    expect(await all(withPath(), routerRefusedCases)).toEqual([]);
  });

  it('hostile headers: idempotency key, cart token, request id, credentials, content type', async () => {
    const routes = ['POST /api/v1/cart/items', 'POST /api/v1/checkout', 'GET /api/v1/orders', 'POST /api/v1/me/addresses'];
    const targets = operations.filter((op) => routes.includes(op.route));
    expect(targets).toHaveLength(routes.length);
    expect(await all(targets, (op) => headerCases(op, baseBody))).toEqual([]);
  });
});
