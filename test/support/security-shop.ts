import { expect } from 'vitest';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { Database, type Sql } from '../../src/platform/persistence/database';
import { newId } from '../../src/shared-kernel/ids';
import { bootTestApp, type BootOptions, type InjectOptions, type LoggedIn, type TestApp } from './app';

/**
 * A small shop for the security probes: an admin, a staff member and two customers (alice owns things, bob tries
 * to reach them), a stocked product, free standard shipping, and helpers that take orders through the real flow.
 */

export const SHIPPING_ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Street',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'GB',
};
export const CHECKOUT = { paymentToken: 'tok_approve', shippingAddress: SHIPPING_ADDRESS, shippingMethod: 'standard' };
export const CATEGORY = 'probe-mugs';
export const PRICE = { amount: 1250, currency: 'EUR' };

/** What must never reach a client: stack frames, source paths, SQL and driver errors. */
export const INTERNALS =
  /\bat [\w$.<>]+ \(|\.[cm]?[jt]s:\d+|node_modules|src\/(?:contexts|platform|app)\/|"stack"|SQLSTATE|duplicate key|violates|relation "|syntax error at|invalid byte sequence|Error: /i;

/** A stable `code`: `internal`, or `<context>.<snake_case>`. */
export const PROBLEM_CODE = /^[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$/;

/** What is wrong with a response security-wise: a 5xx, an error that is not problem+json with a code, leaked internals, missing headers. */
export const responseViolations = (res: InjectResponse): string[] => {
  const found: string[] = [];
  if (res.statusCode >= 500) found.push(`status ${res.statusCode}`);
  if (res.statusCode >= 400) {
    if (!String(res.headers['content-type']).startsWith('application/problem+json'))
      found.push(`content-type ${res.headers['content-type']}`);
    let problem: { code?: unknown; status?: unknown } = {};
    try {
      problem = JSON.parse(res.body) as typeof problem;
    } catch {
      found.push('body is not JSON');
    }
    if (typeof problem.code !== 'string' || !PROBLEM_CODE.test(problem.code)) found.push(`code ${JSON.stringify(problem.code)}`);
    if (problem.status !== res.statusCode) found.push(`problem status ${JSON.stringify(problem.status)}`);
  }
  if (INTERNALS.test(res.body)) found.push('internals in the body');
  if (res.headers['x-content-type-options'] !== 'nosniff') found.push('no X-Content-Type-Options: nosniff');
  if (!res.headers['content-security-policy']) found.push('no Content-Security-Policy');
  if (res.headers['x-powered-by']) found.push(`X-Powered-By: ${res.headers['x-powered-by']}`);
  return found;
};

/** The fields two problems share when they must be indistinguishable (instance, ids and correlation differ). */
export const problemShape = (res: InjectResponse) => {
  const { instance: _instance, correlationId: _correlationId, details: _details, ...shape } = res.json<Record<string, unknown>>();
  return { status: res.statusCode, contentType: res.headers['content-type'], ...shape };
};

/**
 * A digest of every row of every table of the app's schemas: equal before and after a request means it wrote
 * nothing at all (rows added, changed or removed), whichever context it reached. `except` leaves out tables a
 * request may touch by design (e.g. an API key's last use).
 */
export const databaseFingerprint = async (sql: Sql, options: { except?: string[] } = {}): Promise<Record<string, string>> => {
  const { rows: all } = await sql.query<{ name: string }>(
    `select format('%I.%I', table_schema, table_name) as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1`,
  );
  const tables = all.filter(({ name }) => !options.except?.includes(name));
  const { rows } = await sql.query<{ name: string; digest: string }>(
    tables
      // a sum of row hashes: independent of row order, so no sort
      .map(
        ({ name }) =>
          `select '${name}' as name, count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0) as digest from ${name} t`,
      )
      .join(' union all '),
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.digest]));
};

/**
 * Expects a 400 problem+json naming exactly `fields` (each with the issue code `issue`, unless it is null), and no row of
 * any table added, changed or removed.
 */
export const expectRefusedWithoutTrace = async (
  sql: Sql,
  request: () => Promise<InjectResponse>,
  fields: string[],
  issue: string | null = 'invalid_characters',
): Promise<void> => {
  const before = await databaseFingerprint(sql);
  const res = await request();
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toContain('application/problem+json');
  const errors = res.json<{ errors: { path: string; code: string }[] }>().errors;
  expect(errors.map((e) => e.path).sort(), res.body).toEqual([...fields].sort());
  if (issue !== null) for (const error of errors) expect(error.code, res.body).toBe(issue);
  expect(await databaseFingerprint(sql)).toEqual(before);
};

export type SecurityShop = Awaited<ReturnType<typeof openSecurityShop>>;

export const openSecurityShop = async (options: BootOptions = {}) => {
  const t: TestApp = await bootTestApp(options);
  const db = t.get(Database);
  const [admin, staff, alice, bob] = [
    await t.registerAndLogin('admin'),
    await t.registerAndLogin('staff'),
    await t.registerAndLogin('customer', { name: 'Alice Owner' }),
    await t.registerAndLogin('customer', { name: 'Bob Other' }),
  ];

  /** A request with a fresh Idempotency-Key (unless one is given). */
  const send = (method: string, url: string, token: string | undefined, body?: unknown, options: InjectOptions = {}) =>
    t.inject(method, url, { token, body, ...options, headers: { 'idempotency-key': newId(), ...options.headers } });
  const ok = async (res: Promise<InjectResponse>, status = 200) => {
    const answer = await res;
    expect(answer.statusCode, answer.body).toBe(status);
    return answer;
  };

  await ok(send('POST', '/api/v1/categories', admin.token, { slug: CATEGORY, name: 'Mugs' }), 201);
  const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
  await ok(send('POST', '/api/v1/shipping-methods', admin.token, standard), 201);

  const stockedProduct = async (onHand = 1000): Promise<{ sku: string; productId: string }> => {
    const sku = `PROBE-${newId().slice(-12).toUpperCase()}`;
    const created = await ok(send('POST', '/api/v1/products', admin.token, { sku, name: 'Mug', category: CATEGORY, price: PRICE }), 201);
    await ok(send('PUT', `/api/v1/inventory/${sku}`, admin.token, { onHand }));
    await t.drain();
    return { sku, productId: created.json<{ id: string }>().id };
  };
  const product = await stockedProduct();

  const addToCart = (customer: LoggedIn, sku = product.sku, quantity = 1) =>
    ok(send('POST', '/api/v1/cart/items', customer.token, { sku, quantity }));

  /** A guest's new cart holding `quantity` × `sku`; returns its X-Cart-Token. */
  const guestCart = async (sku = product.sku, quantity = 1): Promise<string> => {
    const res = await ok(t.inject('POST', '/api/v1/cart/items', { body: { sku, quantity } }));
    const token = res.headers['x-cart-token'];
    expect(token, 'a guest cart token').toEqual(expect.any(String));
    return String(token);
  };

  /** Checks out `quantity` × the product for `customer`; returns the order id once its checkout has ended confirmed. */
  const confirmedOrder = async (customer: LoggedIn, quantity = 2, sku = product.sku): Promise<string> => {
    await addToCart(customer, sku, quantity);
    const placed = await ok(send('POST', '/api/v1/checkout', customer.token, CHECKOUT), 202);
    const orderId = placed.json<{ orderId: string }>().orderId;
    await t.drain();
    expect((await ok(t.inject('GET', `/api/v1/orders/${orderId}`, { token: admin.token }))).json<{ status: string }>().status).toBe(
      'confirmed',
    );
    return orderId;
  };

  /** A confirmed order shipped and delivered by staff (purchases are then verified for reviews). */
  const deliveredOrder = async (customer: LoggedIn, quantity = 2, sku = product.sku): Promise<string> => {
    const orderId = await confirmedOrder(customer, quantity, sku);
    await ok(send('POST', `/api/v1/orders/${orderId}/ship`, staff.token, { carrier: 'sandbox', trackingNumber: trackingNumber() }));
    await ok(send('POST', `/api/v1/orders/${orderId}/deliver`, staff.token));
    await t.drain();
    return orderId;
  };

  const addAddress = async (customer: LoggedIn, city = 'London'): Promise<string> => {
    const res = await ok(send('POST', '/api/v1/me/addresses', customer.token, { ...SHIPPING_ADDRESS, city }), 201);
    return res.json<{ id: string }>().id;
  };

  return {
    t,
    db,
    admin,
    staff,
    alice,
    bob,
    product,
    send,
    ok,
    stockedProduct,
    addToCart,
    guestCart,
    confirmedOrder,
    deliveredOrder,
    addAddress,
  };
};

/** A tracking number the sandbox carrier accepts (`SBX` and nine digits), unique within a run. */
export const trackingNumber = (): string => `SBX${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
