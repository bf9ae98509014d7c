import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn } from './support/app';
import { LIMITS, expectRateLimited, type From, openRateLimitedApp, type RateLimitedApp } from './support/rate-limited-app';

/**
 * S1, business-flow abuse: the request rate limits of guest carts, checkout, search and other anonymous writes, their
 * OpenAPI documentation, and RATE_LIMITS=off. The account routes: rate-limits.e2e.spec.ts.
 */

let t: RateLimitedApp['t'];
let admin: RateLimitedApp['admin'];
let newAddress: RateLimitedApp['newAddress'];
let send: RateLimitedApp['send'];
let count: RateLimitedApp['count'];

beforeAll(async () => {
  ({ t, admin, newAddress, send, count } = await openRateLimitedApp());
});
afterAll(async () => t?.close());

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
