import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/shared-kernel/ids';
import { PROXY, LIMITS, expectRateLimited, type From, openRateLimitedApp, type RateLimitedApp } from './support/rate-limited-app';

/**
 * S1, business-flow abuse: the request rate limits of the account routes (registration, login, refresh) and the
 * client address they count by, through trusted proxies. Carts, checkout, search and the rest: rate-limits-shopping.
 */

let t: RateLimitedApp['t'];
let warnings: RateLimitedApp['warnings'];
let newAddress: RateLimitedApp['newAddress'];
let send: RateLimitedApp['send'];
let register: RateLimitedApp['register'];
let count: RateLimitedApp['count'];

beforeAll(async () => {
  ({ t, warnings, newAddress, send, register, count } = await openRateLimitedApp());
});
afterAll(async () => t?.close());

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
