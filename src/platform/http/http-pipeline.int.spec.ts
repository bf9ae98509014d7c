import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootProbeApp, ProbeApp } from '../../../test/support/http-probe';
import { BODY_LIMIT_BYTES } from './http-server';
import { buildOpenApiDocument } from './openapi';
import { API_V1 } from './request-context';

let p: ProbeApp;
let app: ProbeApp['app'];

beforeAll(async () => {
  p = await bootProbeApp();
  app = p.app;
});
afterAll(async () => p?.close());

describe('problem+json', () => {
  it('answers malformed JSON with 400 request.malformed_json', async () => {
    const res = await p.post(`/${API_V1}/probe/echo`, '{"name": ');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      status: 400,
      code: 'request.malformed_json',
      title: 'Bad Request',
      type: expect.any(String),
      detail: expect.any(String),
    });
  });

  it('refuses unknown fields and wrong types, listing each issue', async () => {
    const unknown = await p.post(`/${API_V1}/probe/echo`, { name: 'a', count: 1, role: 'admin' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('request.invalid');
    expect(unknown.json().errors[0]).toMatchObject({ code: 'unrecognized_keys' });

    const wrongType = await p.post(`/${API_V1}/probe/echo`, { name: 'a', count: 'one' });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().errors).toEqual([expect.objectContaining({ path: 'count' })]);
  });

  it('answers oversized bodies with 413 and other media types with 415', async () => {
    const big = await p.post(`/${API_V1}/probe/echo`, { name: 'x'.repeat(BODY_LIMIT_BYTES + 10), count: 1 });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('request.body_too_large');

    const xml = await app.inject({
      method: 'POST',
      url: `/${API_V1}/probe/echo`,
      payload: '<a/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().code).toBe('request.unsupported_media_type');
  });

  it('answers unknown routes with 404 http.route_not_found', async () => {
    const res = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'http.route_not_found', instance: '/nowhere' });
  });

  it('maps a version conflict to 409 concurrency.conflict', async () => {
    const res = await app.inject({ method: 'GET', url: `/${API_V1}/probe/race/1` });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('concurrency.conflict');
    expect(res.body).not.toContain('probe-1');
  });

  it('hides unexpected errors behind a generic 500', async () => {
    const res = await p.post(
      `/${API_V1}/probe/orders`,
      { name: 'boom', count: 1 },
      { authorization: await p.bearer(), 'idempotency-key': 'boom-1' },
    );
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('internal');
    expect(res.body).not.toMatch(/hunter2|secret|at /);
  });

  it('logs a refusal for lack of room at debug, and an outage at warn with its cause', async () => {
    const busy = await app.inject({ method: 'GET', url: `/${API_V1}/probe/unavailable/busy` });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('2');
    const outage = await app.inject({ method: 'GET', url: `/${API_V1}/probe/unavailable/outage` });
    expect(outage.statusCode).toBe(503);
    expect(outage.json().code).toBe('platform.database_unavailable');

    const linesOf = (why: string) => p.logs.filter((line) => [line.url, line.path].includes(`/${API_V1}/probe/unavailable/${why}`));
    // a flood of refusals adds no warning: one debug line each, besides the access log's
    expect(linesOf('busy').filter((line) => line.level !== 'debug')).toEqual([]);
    expect(linesOf('busy').some((line) => String(line.msg).startsWith('request refused'))).toBe(true);
    expect(linesOf('outage').filter((line) => line.level !== 'debug')).toEqual([
      expect.objectContaining({ level: 'warn', err: expect.objectContaining({ message: expect.stringContaining('ECONNREFUSED') }) }),
    ]);
  });

  it('sends security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

describe('request meta', () => {
  it('echoes a well-formed X-Request-Id and uses it as correlation id', async () => {
    const res = await p.post(`/${API_V1}/probe/echo`, { name: 'a', count: 1 }, { 'x-request-id': 'req-123.abc_Z' });
    expect(res.headers['x-request-id']).toBe('req-123.abc_Z');
    expect(res.json().meta).toMatchObject({ correlationId: 'req-123.abc_Z', now: '2026-03-01T10:00:00.000Z' });
  });

  it('replaces a malformed X-Request-Id, also on errors', async () => {
    const res = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'bad id\u0001<script>' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json().correlationId).toBe(res.headers['x-request-id']);
  });

  it('makes up no trace context while tracing is off, even for a caller that sends one', async () => {
    // with tracing on, the request's server span continues the caller's trace (test/tracing.e2e.spec.ts)
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await p.post(`/${API_V1}/probe/echo`, { name: 'a', count: 1 }, { traceparent });
    expect(res.json().meta).not.toHaveProperty('traceparent');
    expect(res.json().meta).not.toHaveProperty('tracestate');
  });
});

describe('authentication and roles', () => {
  it('refuses a protected route without a token: 401 with WWW-Authenticate', async () => {
    const res = await app.inject({ method: 'GET', url: `/${API_V1}/probe/staff-only` });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('auth.unauthenticated');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses the wrong role with 403 and lets admin through', async () => {
    const customer = await app.inject({
      method: 'GET',
      url: `/${API_V1}/probe/staff-only`,
      headers: { authorization: await p.bearer('customer') },
    });
    expect(customer.statusCode).toBe(403);
    expect(customer.json().code).toBe('auth.forbidden');
    for (const role of ['staff', 'admin'] as const) {
      const res = await app.inject({ method: 'GET', url: `/${API_V1}/probe/staff-only`, headers: { authorization: await p.bearer(role) } });
      expect(res.statusCode).toBe(200);
    }
  });

  it('rejects alg:none, foreign keys, wrong audience and expired tokens', async () => {
    const claims = { sub: 'u1', email: 'a@example.com', role: 'admin', iss: 'orderly', aud: 'orderly-api' };
    const iat = Math.floor(p.clock.now().getTime() / 1000);
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ ...claims, iat, exp: iat + 600 })}.`;
    const sign = (key: string, payload: object) =>
      new SignJWT({ ...payload })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + 600)
        .sign(new TextEncoder().encode(key));
    const forged = await sign('y'.repeat(40), claims);
    const wrongAudience = await sign('x'.repeat(40), { ...claims, aud: 'someone-else' });
    const expired = await p.bearer('admin');
    p.clock.advance(16 * 60 * 1000);
    try {
      for (const token of [none, forged, wrongAudience, expired.slice('Bearer '.length)]) {
        const res = await app.inject({ method: 'GET', url: `/${API_V1}/probe/staff-only`, headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe('auth.unauthenticated');
      }
    } finally {
      p.clock.advance(-16 * 60 * 1000);
    }
  });
});

describe('OpenAPI', () => {
  it('documents every route with its error responses and security', () => {
    const document = buildOpenApiDocument(app);
    const orders = document.paths[`/${API_V1}/probe/orders`].post!;
    expect(Object.keys(orders.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '409', '422', '500']));
    expect(orders.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]),
    );
    expect(document.paths[`/${API_V1}/probe/echo`].post!.security).toEqual([{}, { bearer: [] }]);
    expect(document.paths[`/${API_V1}/probe/staff-only`].get!.responses).toHaveProperty('403');
    expect(document.components?.schemas).toHaveProperty('Problem');
  });
});
