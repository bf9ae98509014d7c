import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, TestApp } from '../../../test/support/app';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationMessage, MessageBus } from '../../platform/messaging/message-bus';
import { Database } from '../../platform/persistence/database';
import { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { EnsureAdminHandler } from './application/ensure-admin';

let t: TestApp;
const published: IntegrationMessage[] = [];

beforeAll(async () => {
  t = await bootTestApp();
  await t.get(MessageBus).subscribe('test.identity-listener', ['identity.user-registered.v1'], async (m) => void published.push(m));
});
afterAll(async () => t?.close());

const register = (body: object, headers: Record<string, string> = {}) => t.inject('POST', '/api/v1/auth/register', { body, headers });
const uniqueEmail = () => `user-${newId()}@example.com`;

describe('POST /api/v1/auth/register', () => {
  it('creates a customer, stores an argon2id hash and appends UserRegistered in the same transaction', async () => {
    const email = uniqueEmail();
    const res = await register({ email: email.toUpperCase(), password: 'long enough', name: 'Ada' });
    expect(res.statusCode).toBe(201);
    const user = res.json();
    expect(user).toEqual({ id: expect.any(String), email, name: 'Ada', role: 'customer' });
    expect(res.body).not.toMatch(/password|argon/i);

    const { rows } = await t
      .get(Database)
      .query<{ password_hash: string }>('select password_hash from identity.users where id = $1', [user.id]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const events = await t.get(EventStore).readStream(`identity.user-${user.id}`);
    expect(events.map((e) => e.type)).toEqual(['UserRegistered']);
    expect(JSON.stringify(events[0].data)).not.toMatch(/password|argon/i);
    expect(events[0].metadata.correlationId).toBe(res.headers['x-request-id']);
  });

  it('publishes identity.user-registered.v1 through the outbox, without credentials', async () => {
    const email = uniqueEmail();
    const { id } = (await register({ email, password: 'long enough', name: 'Grace' })).json();
    await t.drain();
    const message = published.find((m) => (m.data as { userId: string }).userId === id);
    expect(message).toMatchObject({ type: 'identity.user-registered.v1', data: { userId: id, email, name: 'Grace', role: 'customer' } });
    expect(JSON.stringify(message)).not.toMatch(/password/i);
  });

  it('refuses a taken email in any letter case with 409 identity.email_taken', async () => {
    const email = uniqueEmail();
    expect((await register({ email, password: 'long enough', name: 'A' })).statusCode).toBe(201);
    const again = await register({ email: email.toUpperCase(), password: 'other password', name: 'B' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('identity.email_taken');
  });

  it('lets exactly one of several concurrent registrations of one email succeed', async () => {
    const email = uniqueEmail();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => register({ email, password: 'long enough', name: `Racer ${i}` })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    const { rows } = await t.get(Database).query('select id from identity.users where email = $1', [email]);
    expect(rows).toHaveLength(1);
  });

  it('refuses unknown fields (no role escalation), bad emails and short passwords with 400', async () => {
    const escalation = await register({ email: uniqueEmail(), password: 'long enough', name: 'Mallory', role: 'admin' });
    expect(escalation.statusCode).toBe(400);
    expect(escalation.json().errors[0].code).toBe('unrecognized_keys');

    const invalid = await register({ email: 'nope', password: 'short', name: '' });
    expect(invalid.statusCode).toBe(400);
    expect(
      invalid
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['email', 'name', 'password']);

    const nul = await register({ email: uniqueEmail(), password: 'long enough', name: 'Nul\u0000' });
    expect(nul.statusCode).toBe(400);
    expect((await t.inject('POST', '/api/v1/auth/login', { body: { email: 'a\u0000@example.com', password: 'x' } })).statusCode).toBe(400);
  });

  it('replays a retried registration carrying the same Idempotency-Key', async () => {
    const body = { email: uniqueEmail(), password: 'long enough', name: 'Retry' };
    const first = await register(body, { 'idempotency-key': 'register-1' });
    const second = await register(body, { 'idempotency-key': 'register-1' });
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
  });
});

describe('POST /api/v1/auth/login and GET /api/v1/me', () => {
  it('logs in and shows the profile', async () => {
    const email = uniqueEmail();
    await register({ email, password: 'long enough', name: 'Lin' });
    const res = await t.inject('POST', '/api/v1/auth/login', { body: { email: ` ${email.toUpperCase()} `, password: 'long enough' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const session = res.json();
    expect(session).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });

    const me = await t.inject('GET', '/api/v1/me', { token: session.accessToken });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ id: expect.any(String), email, name: 'Lin', role: 'customer' });
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const email = uniqueEmail();
    await register({ email, password: 'long enough', name: 'Sam' });
    const wrong = await t.inject('POST', '/api/v1/auth/login', { body: { email, password: 'not the one' } });
    const unknown = await t.inject('POST', '/api/v1/auth/login', { body: { email: uniqueEmail(), password: 'not the one' } });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('identity.invalid_credentials');
    }
    expect(wrong.json().detail).toBe(unknown.json().detail);
  });

  it('refuses /me without a token or with an expired one', async () => {
    expect((await t.inject('GET', '/api/v1/me')).statusCode).toBe(401);
    const { token } = await t.registerAndLogin();
    (t.clock as ManualClock).advance(15 * 60 * 1000 + 1000);
    try {
      const res = await t.inject('GET', '/api/v1/me', { token });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('auth.unauthenticated');
    } finally {
      (t.clock as ManualClock).advance(-(15 * 60 * 1000 + 1000));
    }
  });
});

describe('EnsureAdmin', () => {
  const meta = () => ({ commandId: newId(), correlationId: newId(), now: t.clock.now() });

  it('creates the admin, then leaves it unchanged, and promotes an existing customer', async () => {
    const ensure = t.get(EnsureAdminHandler);
    const email = uniqueEmail();
    expect(await ensure.execute({ email, password: 'admin password' }, meta())).toBe('created');
    expect(await ensure.execute({ email, password: 'admin password' }, meta())).toBe('unchanged');
    const session = await t.login(email, 'admin password');
    expect((await t.inject('GET', '/api/v1/me', { token: session.accessToken })).json().role).toBe('admin');

    const customer = await t.registerAndLogin('customer');
    expect(await ensure.execute({ email: customer.user.email, password: 'new admin password' }, meta())).toBe('updated');
    const promoted = await t.login(customer.user.email, 'new admin password');
    expect((await t.inject('GET', '/api/v1/me', { token: promoted.accessToken })).json().role).toBe('admin');
    const events = await t.get(EventStore).readStream(`identity.user-${customer.user.id}`);
    expect(events.map((e) => e.type)).toEqual(['UserRegistered', 'UserRoleAssigned', 'PasswordChanged']);
  });
});

describe('OpenAPI', () => {
  it('serves every identity route with its problem responses', async () => {
    const res = await t.inject('GET', '/api/docs-json');
    expect(res.statusCode).toBe(200);
    const paths = res.json().paths;
    expect(Object.keys(paths['/api/v1/auth/register'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '409', '500']));
    expect(paths['/api/v1/auth/register'].post.security).toEqual([{}, { bearer: [] }]);
    expect(paths['/api/v1/me'].get.security).toContainEqual({ bearer: [] });
    expect(paths['/api/v1/me'].get.responses).toHaveProperty('401');
    for (const [path, method] of [
      ['/api/v1/auth/refresh', 'post'],
      ['/api/v1/auth/logout', 'post'],
      ['/api/v1/me/addresses', 'get'],
      ['/api/v1/me/addresses', 'post'],
      ['/api/v1/me/addresses/{id}', 'patch'],
      ['/api/v1/me/addresses/{id}', 'delete'],
      ['/api/v1/staff', 'post'],
      ['/api/v1/api-keys', 'post'],
      ['/api/v1/api-keys', 'get'],
      ['/api/v1/api-keys/{id}', 'delete'],
    ]) {
      expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(paths['/api/v1/auth/login'].post.responses['429'].description).toContain('auth.too_many_attempts');
    expect(paths['/api/v1/api-keys'].post.responses).toHaveProperty('403');
  });
});
