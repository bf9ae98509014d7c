import { Controller, Get, Post } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, LoggedIn, TestApp } from '../../../test/support/app';
import type { CommandMeta } from '../../platform/event-store/event-store';
import { AuthUser, CurrentUser, Idempotent, Meta, Roles } from '../../platform/http/request-context';
import { EventStore } from '../../platform/event-store/event-store';
import { Database } from '../../platform/persistence/database';
import { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';

/** Test-only routes under /api/v1/widgets: what a staff route of any context looks like to a key. */
@Controller('api/v1/widgets')
class WidgetsController {
  @Get()
  @Roles('staff')
  list(@CurrentUser() user: AuthUser) {
    return { caller: user };
  }

  @Post()
  @Roles('staff')
  @Idempotent()
  create(@CurrentUser() user: AuthUser, @Meta() meta: CommandMeta) {
    return { widgetId: newId(), createdBy: user.id, metaUserId: meta.userId };
  }

  @Post('prices')
  @Roles('admin')
  reprice() {
    return { repriced: true };
  }

  @Get('mine')
  @Roles('customer')
  mine() {
    return [];
  }
}

let t: TestApp;
let admin: LoggedIn;

beforeAll(async () => {
  t = await bootTestApp({ controllers: [WidgetsController] });
  admin = await t.registerAndLogin('admin');
});
afterAll(async () => t?.close());

type Issued = { id: string; key: string; name: string; prefix: string; scopes: string[] };
const issue = async (body: object = {}): Promise<Issued> => {
  const res = await t.inject('POST', '/api/v1/api-keys', {
    token: admin.token,
    body: { name: 'warehouse sync', scopes: ['widgets:read'], ...body },
  });
  expect(res.statusCode).toBe(201);
  return res.json();
};
const withKey = (key: string, method: string, url: string, options: { body?: unknown; headers?: Record<string, string> } = {}) =>
  t.inject(method, url, { ...options, headers: { 'x-api-key': key, ...options.headers } });

describe('POST /api/v1/api-keys', () => {
  it('shows a high-entropy ok_ key once and stores only its SHA-256', async () => {
    const res = await t.inject('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'ERP', scopes: ['orders:write', 'orders:read', 'inventory:read'] },
    });
    expect(res.statusCode).toBe(201);
    const issued = res.json();
    expect(issued).toEqual({
      id: expect.any(String),
      name: 'ERP',
      key: expect.stringMatching(/^ok_[A-Za-z0-9_-]{43}$/),
      prefix: issued.key.slice(0, 9),
      scopes: ['inventory:read', 'orders:read', 'orders:write'],
      createdAt: expect.any(String),
      expiresAt: null,
      lastUsedAt: null,
    });

    const { rows } = await t.get(Database).query<Record<string, unknown>>('select * from identity.api_keys where id = $1', [issued.id]);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows[0])).not.toContain(issued.key.slice(9));
    const events = await t.get(EventStore).readStream(`identity.api-key-${issued.id}`);
    expect(events.map((e) => e.type)).toEqual(['ApiKeyIssued']);
    expect(events[0].metadata.userId).toBe(admin.user.id);
    expect(JSON.stringify(events)).not.toContain(issued.key.slice(9));

    const other = await issue();
    expect(other.key).not.toBe(issued.key);
  });

  it('never keeps the key for an Idempotency-Key replay: a retry answers without it', async () => {
    const headers = { 'idempotency-key': `issue-${Date.now()}` };
    const body = { name: 'retried', scopes: ['orders:read'] };
    const first = await t.inject('POST', '/api/v1/api-keys', { token: admin.token, body, headers });
    expect(first.statusCode).toBe(201);
    const { rows } = await t.get(Database).query<{ body: string }>('select response_body::text as body from http.idempotency_keys');
    expect(rows.map((r) => r.body).join()).not.toContain(first.json().key.slice(9));
    const replay = await t.inject('POST', '/api/v1/api-keys', { token: admin.token, body, headers });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const { key: _shownOnce, ...rest } = first.json();
    expect(replay.json()).toEqual(rest);
  });

  it('refuses malformed scopes, customer resources, extra fields and past expiries (400)', async () => {
    for (const body of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['orders'] },
      { name: 'x', scopes: ['orders:delete'] },
      { name: 'x', scopes: ['*:read'] },
      { name: 'x', scopes: ['cart:write'] },
      { name: 'x', scopes: ['me:read'] },
      { name: 'x', scopes: ['orders:read'], role: 'admin' },
      { name: 'x', scopes: ['orders:read'], key: `ok_${'A'.repeat(43)}` },
      { name: '', scopes: ['orders:read'] },
      { name: 'nul\u0000', scopes: ['orders:read'] },
    ]) {
      const res = await t.inject('POST', '/api/v1/api-keys', { token: admin.token, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    const past = await t.inject('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'x', scopes: ['orders:read'], expiresAt: new Date(t.clock.now().getTime() - 1000).toISOString() },
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().code).toBe('identity.api_key_expiry_in_past');
  });
});

describe('GET /api/v1/api-keys', () => {
  it('lists keys without the keys themselves, with when each was last used', async () => {
    const issued = await issue({ name: 'listed' });
    expect((await withKey(issued.key, 'GET', '/api/v1/widgets')).statusCode).toBe(200);
    const res = await t.inject('GET', '/api/v1/api-keys', { token: admin.token });
    expect(res.statusCode).toBe(200);
    const listed = res.json().find((k: { id: string }) => k.id === issued.id);
    expect(listed).toEqual({
      id: issued.id,
      name: 'listed',
      prefix: issued.prefix,
      scopes: ['widgets:read'],
      createdAt: expect.any(String),
      expiresAt: null,
      lastUsedAt: t.clock.now().toISOString(),
    });
    expect(res.body).not.toContain(issued.key);
  });
});

describe('authenticating with X-Api-Key', () => {
  it('acts as staff under an id of its own (apikey:<id>)', async () => {
    const issued = await issue({ scopes: ['widgets:read', 'widgets:write'] });
    const read = await withKey(issued.key, 'GET', '/api/v1/widgets');
    expect(read.statusCode).toBe(200);
    expect(read.json().caller).toEqual({
      id: `apikey:${issued.id}`,
      email: '',
      role: 'staff',
      apiKey: { id: issued.id, scopes: ['widgets:read', 'widgets:write'] },
    });
    const write = await withKey(issued.key, 'POST', '/api/v1/widgets');
    expect(write.statusCode).toBe(201);
    expect(write.json()).toMatchObject({ createdBy: `apikey:${issued.id}`, metaUserId: `apikey:${issued.id}` });
  });

  it('refuses a forged, malformed or unknown key with 401', async () => {
    const issued = await issue();
    const forged = `${issued.key.slice(0, -1)}${issued.key.endsWith('A') ? 'B' : 'A'}`;
    for (const key of [forged, `ok_${'A'.repeat(43)}`, 'ok_short', '', 'Bearer x', issued.key.toUpperCase()]) {
      const res = await withKey(key, 'GET', '/api/v1/widgets');
      expect(res.statusCode, key).toBe(401);
      expect(res.json().code).toBe('auth.invalid_api_key');
    }
  });

  it('refuses an expired key with 401', async () => {
    const clock = t.clock as ManualClock;
    const issued = await issue({ expiresAt: new Date(clock.now().getTime() + 60_000).toISOString() });
    expect((await withKey(issued.key, 'GET', '/api/v1/widgets')).statusCode).toBe(200);
    clock.advance(60_000);
    try {
      expect((await withKey(issued.key, 'GET', '/api/v1/widgets')).statusCode).toBe(401);
    } finally {
      clock.advance(-60_000);
    }
  });

  it('refuses a key with the wrong scope with 403 auth.insufficient_scope', async () => {
    const issued = await issue({ scopes: ['widgets:read', 'orders:write'] });
    const res = await withKey(issued.key, 'POST', '/api/v1/widgets');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'auth.insufficient_scope', details: { requiredScope: 'widgets:write' } });
    expect((await withKey(issued.key, 'GET', '/api/v1/orders')).statusCode).toBe(403);
  });

  it('refuses customer-only routes (403), whatever the scopes', async () => {
    const issued = await issue({ scopes: ['widgets:read', 'widgets:write', 'orders:read'] });
    for (const [method, url] of [
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/me/addresses'],
      ['POST', '/api/v1/me/addresses'],
      ['GET', '/api/v1/cart'],
      ['POST', '/api/v1/checkout'],
      ['GET', '/api/v1/widgets/mine'],
    ]) {
      const res = await withKey(issued.key, method, url, method === 'POST' ? { body: {} } : {});
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('auth.forbidden');
    }
  });

  it('refuses admin-only routes (403): a key is never more than staff', async () => {
    const issued = await issue({ scopes: ['widgets:write', 'api-keys:write', 'api-keys:read', 'staff:write'] });
    expect((await withKey(issued.key, 'POST', '/api/v1/widgets/prices')).statusCode).toBe(403);
    expect((await withKey(issued.key, 'GET', '/api/v1/api-keys')).statusCode).toBe(403);
    const minted = await withKey(issued.key, 'POST', '/api/v1/api-keys', { body: { name: 'escalation', scopes: ['widgets:read'] } });
    expect(minted.statusCode).toBe(403);
    const staff = await withKey(issued.key, 'POST', '/api/v1/staff', {
      body: { email: `s-${newId()}@example.com`, password: 'long enough', name: 'S' },
    });
    expect(staff.statusCode).toBe(403);
  });

  it('refuses a request carrying both a bearer token and a key (400)', async () => {
    const issued = await issue();
    const res = await t.inject('GET', '/api/v1/widgets', { token: admin.token, headers: { 'x-api-key': issued.key } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('auth.ambiguous_credentials');
  });

  it('scopes Idempotency-Keys per API key', async () => {
    const [a, b] = [await issue({ scopes: ['widgets:write'] }), await issue({ scopes: ['widgets:write'] })];
    const headers = { 'idempotency-key': 'nightly-sync-1' };
    const first = await withKey(a.key, 'POST', '/api/v1/widgets', { headers });
    const replay = await withKey(a.key, 'POST', '/api/v1/widgets', { headers });
    const otherKey = await withKey(b.key, 'POST', '/api/v1/widgets', { headers });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(otherKey.headers['idempotent-replayed']).toBeUndefined();
    expect(otherKey.json().widgetId).not.toBe(first.json().widgetId);
    expect(otherKey.json().createdBy).toBe(`apikey:${b.id}`);
  });
});

describe('DELETE /api/v1/api-keys/:id', () => {
  it('revokes (204): the key is refused at once (401) and no longer listed; revoking again is harmless', async () => {
    const issued = await issue();
    expect((await withKey(issued.key, 'GET', '/api/v1/widgets')).statusCode).toBe(200);
    const res = await t.inject('DELETE', `/api/v1/api-keys/${issued.id}`, { token: admin.token });
    expect(res.statusCode).toBe(204);
    const refused = await withKey(issued.key, 'GET', '/api/v1/widgets');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('auth.invalid_api_key');
    const listed = (await t.inject('GET', '/api/v1/api-keys', { token: admin.token })).json();
    expect(listed.map((k: { id: string }) => k.id)).not.toContain(issued.id);
    expect((await t.inject('DELETE', `/api/v1/api-keys/${issued.id}`, { token: admin.token })).statusCode).toBe(204);
    const events = await t.get(EventStore).readStream(`identity.api-key-${issued.id}`);
    expect(events.map((e) => e.type)).toEqual(['ApiKeyIssued', 'ApiKeyRevoked']);
  });

  it('answers 404 identity.api_key_not_found for an unknown id', async () => {
    for (const id of [newId(), 'not-a-uuid']) {
      const res = await t.inject('DELETE', `/api/v1/api-keys/${id}`, { token: admin.token });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('identity.api_key_not_found');
    }
  });
});
