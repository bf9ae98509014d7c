import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { expect } from 'vitest';
import { AppLogger } from '../../src/platform/observability/logger';
import { Database } from '../../src/platform/persistence/database';
import { newId } from '../../src/shared-kernel/ids';
import { bootTestApp } from './app';

/** The trusted proxy of the rate-limit specs; 192.0.2.0/24 is trusted too. */
export const PROXY = '10.9.0.1';
/** Small budgets, in windows far longer than a test: no window ends in the middle of a count. */
export const LIMITS = { register: 3, login: 3, refresh: 2, guestCart: 3, checkout: 2, search: 4 };

/** Where a request comes from: the connection's address, and the X-Forwarded-For it carries. */
export type From = { address: string; forwardedFor?: string };

/**
 * The app with request rate limits on (the test harness turns them off by default), a shop to buy from (a mug with
 * stock, a flat shipping method), every log line at warn or above, and helpers that send requests from chosen client
 * addresses. Shared by the rate-limit specs.
 */
export const openRateLimitedApp = async () => {
  const warnings: { msg: string; [field: string]: unknown }[] = [];
  const logger = AppLogger.create('warn', { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const t = await bootTestApp({
    overrideProviders: [{ provide: AppLogger, useValue: logger }],
    env: {
      RATE_LIMITS: 'on',
      RATE_LIMIT_REGISTER: `${LIMITS.register}/1h`,
      RATE_LIMIT_LOGIN: `${LIMITS.login}/1h`,
      RATE_LIMIT_REFRESH: `${LIMITS.refresh}/1h`,
      RATE_LIMIT_GUEST_CART: `${LIMITS.guestCart}/1h`,
      RATE_LIMIT_CHECKOUT: `${LIMITS.checkout}/1h`,
      RATE_LIMIT_SEARCH: `${LIMITS.search}/1h`,
      TRUSTED_PROXIES: `${PROXY},192.0.2.0/24`,
    },
  });
  const db = t.get(Database);
  const admin = await t.registerAndLogin('admin');
  expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } })).statusCode).toBe(201);
  const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 490 } };
  expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
  const mug = { sku: 'RL-MUG', name: 'Limited mug', category: 'mugs', price: { amount: 1250, currency: 'EUR' } };
  expect((await t.inject('POST', '/api/v1/products', { token: admin.token, body: mug })).statusCode).toBe(201);
  expect((await t.inject('PUT', '/api/v1/inventory/RL-MUG', { token: admin.token, body: { onHand: 100 } })).statusCode).toBe(200);
  await t.drain();

  let lastOctet = 0;
  /** An address of its own per test: counters never leak between tests. */
  const newAddress = () => `198.51.100.${++lastOctet}`;

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

  const count = async (sql: string, params: unknown[]) => Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

  return { t, db, admin, warnings, newAddress, send, register, count };
};

export type RateLimitedApp = Awaited<ReturnType<typeof openRateLimitedApp>>;

/** A 429 problem+json of the rate limits, with Retry-After and the RateLimit header fields of the policy. */
export const expectRateLimited = (res: InjectResponse, limit: number, windowS: number): void => {
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
