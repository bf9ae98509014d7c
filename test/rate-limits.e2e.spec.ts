import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppLogger } from '../src/platform/observability/logger';
import { Database } from '../src/platform/persistence/database';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';

const PROXY = '10.9.0.1';
const LIMITS = { register: 3, login: 3, refresh: 2, guestCart: 3, checkout: 2, search: 4 };

let t: TestApp;
let db: Database;
let admin: LoggedIn;
/** Every line the app logged at warn or above. */
const warnings: { msg: string; [field: string]: unknown }[] = [];

beforeAll(async () => {
  const logger = AppLogger.create('warn', { write: (line: string) => void warnings.push(JSON.parse(line)) });
  t = await bootTestApp({
    overrideProviders: [{ provide: AppLogger, useValue: logger }],
    env: {
      RATE_LIMITS: 'on',
      // windows far longer than the test: no window ends in the middle of a count
      RATE_LIMIT_REGISTER: `${LIMITS.register}/1h`,
      RATE_LIMIT_LOGIN: `${LIMITS.login}/1h`,
      RATE_LIMIT_REFRESH: `${LIMITS.refresh}/1h`,
      RATE_LIMIT_GUEST_CART: `${LIMITS.guestCart}/1h`,
      RATE_LIMIT_CHECKOUT: `${LIMITS.checkout}/1h`,
      RATE_LIMIT_SEARCH: `${LIMITS.search}/1h`,
      TRUSTED_PROXIES: `${PROXY},192.0.2.0/24`,
    },
  });
  db = t.get(Database);
  admin = await t.registerAndLogin('admin');
  expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } })).statusCode).toBe(201);
  const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 490 } };
  expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
  const mug = { sku: 'RL-MUG', name: 'Limited mug', category: 'mugs', price: { amount: 1250, currency: 'EUR' } };
  expect((await t.inject('POST', '/api/v1/products', { token: admin.token, body: mug })).statusCode).toBe(201);
  expect((await t.inject('PUT', '/api/v1/inventory/RL-MUG', { token: admin.token, body: { onHand: 100 } })).statusCode).toBe(200);
  await t.drain();
});
afterAll(async () => t?.close());

let lastOctet = 0;
/** An address of its own per test: counters never leak between tests. */
const newAddress = () => `198.51.100.${++lastOctet}`;

type From = { address: string; forwardedFor?: string };
const send = (
  method: 'GET' | 'POST',
  url: string,
  from: From,
  { body, token, headers = {} }: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
) =>
  t.app.inject({
    method,
    url,
    remoteAddress: from.address,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {}),
      ...headers,
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });

const register = (from: From, email = `flood-${newId()}@example.com`, idempotencyKey = newId()) =>
  send('POST', '/api/v1/auth/register', from, {
    body: { email, password: 'correct horse battery staple', name: 'Flood' },
    headers: { 'idempotency-key': idempotencyKey },
  });

const expectRateLimited = (res: InjectResponse, limit: number, windowS: number) => {
  expect(res.statusCode, res.body).toBe(429);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.json()).toMatchObject({ status: 429, code: 'request.rate_limited' });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(windowS);
  expect(res.headers).toMatchObject({
    'ratelimit-limit': String(limit),
    'ratelimit-remaining': '0',
    'ratelimit-policy': `${limit};w=${windowS}`,
  });
  expect(res.headers['ratelimit-reset']).toBe(res.headers['retry-after']);
};

const count = async (sql: string, params: unknown[]) => Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

describe('registration', () => {
  it('answers 429 to a flood from one address after the limit and writes nothing for the refused requests', async () => {
    const address = newAddress();
    const emails = Array.from({ length: 8 }, () => `flood-${newId()}@example.com`);
    const keys = emails.map(() => newId());
    const answers: InjectResponse[] = [];
    for (const [i, email] of emails.entries()) answers.push(await register({ address }, email, keys[i]));

    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
    // allowed answers carry the headers too, counting down
    expect(answers.slice(0, 3).map((a) => a.headers['ratelimit-remaining'])).toEqual(['2', '1', '0']);
    expect(answers[0].headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-policy': '3;w=3600' });
    for (const refused of answers.slice(3)) expectRateLimited(refused, LIMITS.register, 3600);

    expect(await count('select count(*) as n from identity.users where email = any($1)', [emails])).toBe(3);
    // refused before the idempotency layer: their keys were never claimed
    expect(await count('select count(*) as n from http.idempotency_keys where key = any($1)', [keys.slice(3)])).toBe(0);
    expect(await count('select count(*) as n from http.idempotency_keys where key = any($1)', [keys.slice(0, 3)])).toBe(3);
  });

  it('refuses before the body is even read: a malformed body over the limit is 429, not 400', async () => {
    const address = newAddress();
    for (let i = 0; i < LIMITS.register; i++) expect((await register({ address })).statusCode).toBe(201);
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      remoteAddress: address,
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expectRateLimited(malformed, LIMITS.register, 3600);
  });

  it('counts concurrent requests too: a burst gets exactly the limit through', async () => {
    const address = newAddress();
    const emails = Array.from({ length: 12 }, () => `burst-${newId()}@example.com`);
    const answers = await Promise.all(emails.map((email) => register({ address }, email)));
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(LIMITS.register);
    expect(answers.filter((a) => a.statusCode === 429)).toHaveLength(emails.length - LIMITS.register);
    expect(await count('select count(*) as n from identity.users where email = any($1)', [emails])).toBe(LIMITS.register);
  });

  it('does not limit other clients: each address behind a trusted proxy counts on its own', async () => {
    const flooder = '203.0.113.10';
    for (let i = 0; i < LIMITS.register; i++) expect((await register({ address: PROXY, forwardedFor: flooder })).statusCode).toBe(201);
    expectRateLimited(await register({ address: PROXY, forwardedFor: flooder }), LIMITS.register, 3600);

    // another client through the same proxy, and one through a proxy of the trusted range
    expect((await register({ address: PROXY, forwardedFor: '203.0.113.11' })).statusCode).toBe(201);
    expect((await register({ address: '192.0.2.77', forwardedFor: '203.0.113.12' })).statusCode).toBe(201);
    // a client that forwards through a chain of trusted proxies is still the client it started from
    expectRateLimited(await register({ address: PROXY, forwardedFor: `${flooder}, 192.0.2.5` }), LIMITS.register, 3600);
  });

  it('ignores X-Forwarded-For from an address that is not a trusted proxy', async () => {
    const address = newAddress();
    const answers: InjectResponse[] = [];
    for (let i = 0; i < LIMITS.register + 2; i++) answers.push(await register({ address, forwardedFor: `203.0.113.${100 + i}` }));
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 429, 429]);
  });

  it('warns once that X-Forwarded-For came from an address TRUSTED_PROXIES does not name', async () => {
    for (let i = 0; i < 3; i++) await send('GET', '/api/v1/products', { address: newAddress(), forwardedFor: '203.0.113.200' });
    const untrusted = warnings.filter((line) => line.msg.includes('TRUSTED_PROXIES'));
    expect(untrusted).toHaveLength(1);
    // sent by an untrusted client, never by the trusted proxies the tests before used
    expect(untrusted[0]).toMatchObject({ level: 'warn', setting: 'TRUSTED_PROXIES', address: expect.stringMatching(/^198\.51\.100\./) });
  });

  it('counts a caller with credentials by address too: a token from an exhausted address gets no fresh budget', async () => {
    const address = newAddress();
    for (let i = 0; i < LIMITS.register; i++) expect((await register({ address })).statusCode).toBe(201);
    const customer = await t.registerAndLogin();
    const email = `with-token-${newId()}@example.com`;
    const withToken = await send(
      'POST',
      '/api/v1/auth/register',
      { address },
      {
        token: customer.token,
        body: { email, password: 'correct horse battery staple', name: 'Flood' },
      },
    );
    expectRateLimited(withToken, LIMITS.register, 3600);
    expect(await count('select count(*) as n from identity.users where email = $1', [email])).toBe(0);
  });

  it('counts the IPv6 addresses of one /64 together', async () => {
    const answers: InjectResponse[] = [];
    for (let i = 0; i < LIMITS.register + 1; i++) answers.push(await register({ address: `2001:db8:1:2::${(i + 1).toString(16)}` }));
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 429]);
    expect((await register({ address: '2001:db8:1:3::1' })).statusCode).toBe(201);
  });
});

describe('login', () => {
  const logIn = (from: From, email: string, password: string, token?: string) =>
    send('POST', '/api/v1/auth/login', from, { body: { email, password }, token });
  const sessionsOf = (userId: string) => count('select count(*) as n from identity.refresh_tokens where user_id = $1', [userId]);

  it('is limited per address and email: a flood on one account does not lock the others behind that address out', async () => {
    const office = newAddress();
    const [ada, bob] = [await t.registerAndLogin(), await t.registerAndLogin()];
    for (let i = 0; i < LIMITS.login; i++) expect((await logIn({ address: office }, ada.user.email, ada.password)).statusCode).toBe(200);
    const sessions = await sessionsOf(ada.user.id);

    // the same account however its email is spelled, and with a token of its own too
    expectRateLimited(await logIn({ address: office }, `  ${ada.user.email.toUpperCase()} `, ada.password), LIMITS.login, 3600);
    expectRateLimited(await logIn({ address: office }, ada.user.email, ada.password, ada.token), LIMITS.login, 3600);
    expect(await sessionsOf(ada.user.id)).toBe(sessions);

    // another customer behind the same address logs in, and so does the first from elsewhere
    const other = await logIn({ address: office }, bob.user.email, bob.password);
    expect(other.statusCode, other.body).toBe(200);
    expect(other.headers['ratelimit-remaining']).toBe(String(LIMITS.login - 1));
    expect((await logIn({ address: newAddress() }, ada.user.email, ada.password)).statusCode).toBe(200);
  });
});

describe('refresh', () => {
  it('is limited per address, also for a caller with a valid access token', async () => {
    const address = newAddress();
    const customer = await t.registerAndLogin();
    for (let i = 0; i < LIMITS.refresh; i++) {
      const res = await send('POST', '/api/v1/auth/refresh', { address }, { body: { refreshToken: `spent-${newId()}` } });
      expect(res.statusCode).toBe(401);
    }
    const refused = await send(
      'POST',
      '/api/v1/auth/refresh',
      { address },
      { token: customer.token, body: { refreshToken: customer.refreshToken } },
    );
    expectRateLimited(refused, LIMITS.refresh, 3600);
    // the refused request rotated nothing: the refresh token still works from elsewhere
    const elsewhere = await send(
      'POST',
      '/api/v1/auth/refresh',
      { address: newAddress() },
      { body: { refreshToken: customer.refreshToken } },
    );
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);
  });
});

describe('guest carts', () => {
  const guestAdd = (from: From, cartToken?: string) =>
    send('POST', '/api/v1/cart/items', from, {
      body: { sku: 'RL-MUG', quantity: 1 },
      headers: cartToken ? { 'x-cart-token': cartToken } : {},
    });

  it('limits the carts one address creates; writes to a cart it holds go on under their own limit', async () => {
    const address = newAddress();
    const before = await count('select count(*) as n from cart.guest_carts', []);
    const created: InjectResponse[] = [];
    for (let i = 0; i < LIMITS.guestCart; i++) created.push(await guestAdd({ address }));
    expect(created.map((c) => c.statusCode)).toEqual([200, 200, 200]);

    for (let i = 0; i < 5; i++) expectRateLimited(await guestAdd({ address }), LIMITS.guestCart, 3600);
    expect(await count('select count(*) as n from cart.guest_carts', [])).toBe(before + LIMITS.guestCart);

    // the guest keeps shopping in the cart it has
    const cartToken = String(created[0].headers['x-cart-token']);
    const more = await guestAdd({ address }, cartToken);
    expect(more.statusCode, more.body).toBe(200);
    expect(more.headers).toMatchObject({ 'ratelimit-limit': '120', 'ratelimit-policy': '120;w=60' });
    // and another address creates carts as before
    expect((await guestAdd({ address: newAddress() })).statusCode).toBe(200);
  });
});

describe('checkout', () => {
  const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
  const checkout = (customer: LoggedIn, from: From, key = newId()) =>
    send('POST', '/api/v1/checkout', from, {
      token: customer.token,
      body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' },
      headers: { 'idempotency-key': key },
    });

  it('is limited per account, not per address: customers behind one address each get their own', async () => {
    const office = newAddress();
    const [ada, bob] = [await t.registerAndLogin(), await t.registerAndLogin()];
    for (const customer of [ada, bob]) {
      const added = await send(
        'POST',
        '/api/v1/cart/items',
        { address: office },
        { token: customer.token, body: { sku: 'RL-MUG', quantity: 1 } },
      );
      expect(added.statusCode).toBe(200);
    }

    const placed = await checkout(ada, { address: office });
    expect(placed.statusCode, placed.body).toBe(202);
    expect(placed.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '1' });
    // the second (its cart is already ordered) still counts
    const second = await checkout(ada, { address: office });
    expect(second.statusCode).not.toBe(429);
    expect(second.statusCode).toBeLessThan(500);

    const refusedKey = newId();
    expectRateLimited(await checkout(ada, { address: office }, refusedKey), LIMITS.checkout, 3600);
    // from anywhere: the account is what is counted
    expectRateLimited(await checkout(ada, { address: newAddress() }), LIMITS.checkout, 3600);
    expect(await count('select count(*) as n from http.idempotency_keys where key = $1', [refusedKey])).toBe(0);

    // another customer at the same address checks out
    expect((await checkout(bob, { address: office })).statusCode).toBe(202);
    expect(await count('select count(*) as n from ordering.orders where customer_id = $1', [ada.user.id])).toBe(1);
    expect(await count('select count(*) as n from ordering.orders where customer_id = $1', [bob.user.id])).toBe(1);
    await t.drain();
  });
});

describe('search', () => {
  // a different query each time: every request reaches the search (none is answered from the read cache)
  const search = (from: From, token?: string) => send('GET', `/api/v1/search?q=mug-${newId()}`, from, { token });

  it('is limited per address for anonymous callers and per account for customers', async () => {
    const address = newAddress();
    const answers: InjectResponse[] = [];
    for (let i = 0; i < LIMITS.search; i++) answers.push(await search({ address }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    expectRateLimited(await search({ address }), LIMITS.search, 3600);

    expect((await search({ address: newAddress() })).statusCode).toBe(200);
    // a signed-in customer at the exhausted address is counted on their own account
    const customer = await t.registerAndLogin();
    const signedIn = await search({ address }, customer.token);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.headers['ratelimit-remaining']).toBe(String(LIMITS.search - 1));
  });

  it('counts answers from the read cache too', async () => {
    const address = newAddress();
    const url = `/api/v1/search?q=cached-${newId()}`;
    const answers: InjectResponse[] = [];
    for (let i = 0; i < LIMITS.search + 1; i++) answers.push(await send('GET', url, { address }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 429]);
    expect(answers.map((a) => a.headers['ratelimit-remaining'])).toEqual(['3', '2', '1', '0', '0']);
  });

  it('limits suggestions under their own, looser policy', async () => {
    const address = newAddress();
    const suggest = await send('GET', `/api/v1/search/suggest?q=mu${newId().slice(-4)}`, { address });
    expect(suggest.statusCode).toBe(200);
    expect(suggest.headers).toMatchObject({ 'ratelimit-limit': '600', 'ratelimit-remaining': '599' });
  });
});

describe('other anonymous writes', () => {
  it('count against the limit on anonymous writes; signed webhooks do not', async () => {
    const logout = await send('POST', '/api/v1/auth/logout', { address: newAddress() }, { body: { refreshToken: 'not-a-token' } });
    expect(logout.headers).toMatchObject({ 'ratelimit-limit': '60', 'ratelimit-remaining': '59' });

    const webhook = await send('POST', '/api/v1/payments/webhooks/sandbox', { address: newAddress() }, { body: {} });
    expect(webhook.statusCode).toBe(401);
    expect(webhook.headers['ratelimit-limit']).toBeUndefined();
  });

  it('leave reads and authenticated writes alone', async () => {
    const read = await send('GET', '/api/v1/products', { address: newAddress() });
    expect(read.statusCode).toBe(200);
    expect(read.headers['ratelimit-limit']).toBeUndefined();
    const body = { slug: `cups-${newId().slice(-6)}`, name: 'Cups' };
    const write = await send('POST', '/api/v1/categories', { address: newAddress() }, { token: admin.token, body });
    expect(write.statusCode).toBe(201);
    expect(write.headers['ratelimit-limit']).toBeUndefined();
  });
});

describe('the OpenAPI document', () => {
  it('documents the 429 and the RateLimit headers on every limited route, and only there', async () => {
    const document = (await t.inject('GET', '/api/docs-json')).json();
    const limited: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, { responses: Record<string, never> }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const tooMany = operation.responses['429'] as { description: string; headers: Record<string, unknown> } | undefined;
        if (!tooMany?.description.includes('request.rate_limited')) continue;
        expect(Object.keys(tooMany.headers)).toEqual(
          expect.arrayContaining(['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy']),
        );
        limited.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(limited.sort()).toEqual(
      [
        'POST /api/v1/auth/register',
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/auth/logout',
        'POST /api/v1/cart/items',
        'PUT /api/v1/cart/items/{sku}',
        'DELETE /api/v1/cart/items/{sku}',
        'POST /api/v1/cart/refresh',
        'POST /api/v1/checkout',
        'GET /api/v1/search',
        'GET /api/v1/search/suggest',
      ].sort(),
    );
    // failed-login throttling keeps its own code next to the rate limit's
    expect(document.paths['/api/v1/auth/login'].post.responses['429'].description).toContain('auth.too_many_attempts');
  });
});

describe('RATE_LIMITS=off', () => {
  it('turns the request limits off', async () => {
    const unlimited = await bootTestApp({ databaseUrl: t.config.databaseUrl, env: { RATE_LIMITS: 'off', RATE_LIMIT_REGISTER: '1/1h' } });
    try {
      const address = newAddress();
      for (let i = 0; i < 4; i++) {
        const res = await unlimited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          remoteAddress: address,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ email: `off-${newId()}@example.com`, password: 'correct horse battery staple', name: 'Off' }),
        });
        expect(res.statusCode).toBe(201);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await unlimited.close();
    }
  });
});
