import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_ONLY_RESOURCES } from '../src/platform/http/api-keys';
import { signWebhook } from '../src/platform/http/webhook-signature';
import { newId } from '../src/shared-kernel/ids';
import type { LoggedIn } from './support/app';
import { appOperations, openObjects, type Operation, sampleOf, strongestCaller, urlOf } from './support/openapi-operations';
import { databaseFingerprint, openSecurityShop, responseViolations, type SecurityShop } from './support/security-shop';
import { type ProbeContext, type Signer, writeProbes } from './support/write-probes';

/**
 * S1, OWASP API3 (broken object property level authorization): every write route refuses a field its caller may
 * not set (role, price, status, owner, ids, totals…) with 400 problem+json naming it, and writes nothing; the same
 * body without that field then succeeds, so the refusal is about the field alone. Routes are taken from the app's
 * OpenAPI document: a route without a realistic body below is still probed with a body built from its schema.
 */

const ctx = { ids: {} } as ProbeContext;
const { ids } = ctx;
const PROBES = writeProbes(ctx);
let shop: SecurityShop;
let operations: Operation[];

beforeAll(async () => {
  shop = ctx.shop = await openSecurityShop();
  operations = await appOperations(shop.t);
  ctx.carol = await shop.t.registerAndLogin('customer', { name: 'Carol Caller' });
  ids.toShip = await shop.confirmedOrder(shop.alice, 2);
  ids.toCancel = await shop.confirmedOrder(shop.alice, 1);
  ids.toRefund = await shop.confirmedOrder(shop.alice, 1);
});
afterAll(async () => shop?.t.close());

const now = () => Math.floor(shop.t.clock.now().getTime() / 1000);
const secretOf = (signer: Signer) => (signer === 'payment' ? shop.t.config.paymentWebhookSecret : shop.t.config.carrierWebhookSecret);

const send = (method: string, url: string, caller: LoggedIn | undefined, body: unknown, sign?: Signer) => {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = sign
    ? { 'x-sandbox-signature': signWebhook(secretOf(sign), raw, now()) }
    : { 'idempotency-key': newId() };
  return shop.t.inject(method, url, { token: caller?.token, body: raw, headers });
};

const withNested = (body: Record<string, unknown>, at: string, field: string, value: unknown): Record<string, unknown> => {
  const copy = structuredClone(body);
  const holder = at.split('.').reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, copy);
  holder[field] = value;
  return copy;
};

/**
 * Sends `body`, expects 400 problem+json whose issues name `field` as not allowed, and no write anywhere: the
 * database equals `before` (a fingerprint taken before the first refused request of a series).
 */
const expectRefused = async (
  before: Record<string, string>,
  request: { method: string; url: string; caller: LoggedIn | undefined; sign?: Signer },
  body: unknown,
  field: string,
) => {
  const { method, url, caller, sign } = request;
  const res = await send(method, url, caller, body, sign);
  expect(res.statusCode, `${field}: ${res.body}`).toBe(400);
  expect(responseViolations(res)).toEqual([]);
  const issues = res.json<{ errors?: { code: string; message: string }[] }>().errors ?? [];
  expect(issues, field).toEqual(
    expect.arrayContaining([expect.objectContaining({ code: 'unrecognized_keys', message: expect.stringContaining(field) })]),
  );
  expect(await databaseFingerprint(shop.db), `${field} wrote something`).toEqual(before);
};

describe('every request body schema in the OpenAPI document is closed', () => {
  /** Signed provider payloads: the carrier's events are read leniently (unknown fields dropped, see the probe below). */
  const LENIENT = ['POST /api/v1/shipping/webhooks/sandbox'];

  it('documents additionalProperties: false on every object of every body (nested ones included)', () => {
    const withBody = operations.filter((op) => op.body);
    expect(withBody.length).toBeGreaterThanOrEqual(30);
    const open = withBody
      .filter((op) => !LENIENT.includes(op.route))
      .flatMap((op) => openObjects(op.body!).map((at) => `${op.route} ${at}`));
    expect(open).toEqual([]);
  });
});

describe('mass assignment on each write route: refused with 400, nothing written, and the valid body then succeeds', () => {
  for (const [route, probe] of Object.entries(PROBES)) {
    it(route, async () => {
      const method = route.split(' ')[0];
      const body = await probe.body();
      expect(probe.url !== undefined || !route.includes('{'), `${route} needs a url with its parameters`).toBe(true);
      const request = { method, url: probe.url?.() ?? route.split(' ')[1], caller: probe.as?.(), sign: probe.sign };
      const before = await databaseFingerprint(shop.db);
      for (const [field, value] of Object.entries(probe.forbidden()))
        await expectRefused(before, request, { ...body, [field]: value }, field);
      for (const [at, field, value] of probe.nested ?? []) await expectRefused(before, request, withNested(body, at, field, value), field);

      const res = await send(method, request.url, request.caller, await probe.body(), probe.sign);
      expect(res.statusCode, res.body).toBe(probe.status);
      await probe.then?.(res);
    });
  }

  it('probes every other route with a body from its schema, and names no route the document lacks', async () => {
    const routes = operations.map((op) => op.route);
    expect(Object.keys(PROBES).filter((route) => !routes.includes(route))).toEqual([]);
    const unlisted = operations.filter((op) => op.body && !PROBES[op.route] && !op.path.includes('/webhooks/'));
    const callers = { anonymous: undefined, customer: shop.bob, admin: shop.admin };
    const before = await databaseFingerprint(shop.db);
    for (const op of unlisted) {
      const body = sampleOf(op.body!);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) continue;
      const caller = callers[strongestCaller(op, CUSTOMER_ONLY_RESOURCES)];
      await expectRefused(before, { method: op.method, url: urlOf(op), caller }, { ...body, role: 'admin' }, 'role');
    }
  });
});

describe('signed carrier events: fields the carrier does not define are ignored', () => {
  it('applies a tracking event by its tracking number alone, whatever order or shipment it claims', async () => {
    const event = {
      id: `evt-${newId()}`,
      trackingNumber: ids.tracking,
      status: 'in_transit',
      occurredAt: shop.t.clock.now().toISOString(),
    };
    const res = await send(
      'POST',
      '/api/v1/shipping/webhooks/sandbox',
      undefined,
      { ...event, orderId: ids.toRefund, shipmentId: newId() },
      'carrier',
    );
    expect(res.statusCode, res.body).toBe(200);
    const other = await shop.t.inject('GET', `/api/v1/shipments/${ids.toRefund}`, { token: shop.staff.token });
    expect(other.statusCode).toBe(404);
  });
});

describe('query strings are closed too: a filter the route does not define is refused', () => {
  const KNOWN: Record<string, string> = { country: 'GB', q: 'mug' };

  it('refuses customerId, userId and role on every route that reads a query (400), and answers 200 without them', async () => {
    const withQuery = operations.filter((op) => op.method === 'GET' && op.query.length > 0);
    expect(withQuery.length).toBeGreaterThanOrEqual(8);
    const callers = { anonymous: undefined, customer: shop.bob, admin: shop.admin };
    const wrong: string[] = [];
    for (const op of withQuery) {
      const caller = callers[strongestCaller(op, CUSTOMER_ONLY_RESOURCES)];
      const required = Object.fromEntries(
        op.query.filter((q) => q.required).map((q) => [q.name, KNOWN[q.name] ?? String(sampleOf(q.schema))]),
      );
      const url = urlOf(op, { sku: shop.product.sku, id: shop.product.productId });
      for (const extra of ['customerId', 'userId', 'role']) {
        const res = await shop.t.inject('GET', url, { token: caller?.token, query: { ...required, [extra]: shop.alice.user.id } });
        if (res.statusCode !== 400) wrong.push(`${op.route} ?${extra}: ${res.statusCode}`);
        wrong.push(...responseViolations(res).map((v) => `${op.route} ?${extra}: ${v}`));
      }
      const control = await shop.t.inject('GET', url, { token: caller?.token, query: required });
      if (control.statusCode !== 200) wrong.push(`${op.route} without extras: ${control.statusCode} ${control.body.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });
});
