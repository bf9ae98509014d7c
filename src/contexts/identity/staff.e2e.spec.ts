import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, LoggedIn, TestApp } from '../../../test/support/app';
import { EventStore } from '../../platform/event-store/event-store';
import { newId } from '../../shared-kernel/ids';

let t: TestApp;
let admin: LoggedIn;
let staff: LoggedIn;
let customer: LoggedIn;

beforeAll(async () => {
  t = await bootTestApp();
  [admin, staff, customer] = [await t.registerAndLogin('admin'), await t.registerAndLogin('staff'), await t.registerAndLogin('customer')];
});
afterAll(async () => t?.close());

const newStaff = () => ({ email: `staff-${newId()}@example.com`, password: 'long enough', name: 'Sam Staff' });
const createStaff = (who: LoggedIn | undefined, body: object, headers: Record<string, string> = {}) =>
  t.inject('POST', '/api/v1/staff', { token: who?.token, body, headers });

describe('POST /api/v1/staff', () => {
  it('lets an admin create a staff account (201) that can log in as staff', async () => {
    const body = newStaff();
    const res = await createStaff(admin, body);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: expect.any(String), email: body.email, name: 'Sam Staff', role: 'staff' });
    expect(res.body).not.toMatch(/password|argon/i);

    const session = await t.login(body.email, body.password);
    expect((await t.inject('GET', '/api/v1/me', { token: session.accessToken })).json().role).toBe('staff');
    const events = await t.get(EventStore).readStream(`identity.user-${res.json().id}`);
    expect(events.map((e) => [e.type, (e.data as { role: string }).role])).toEqual([['UserRegistered', 'staff']]);
    expect(events[0].metadata.userId).toBe(admin.user.id);
  });

  it('refuses staff and customers (403) and anonymous callers (401)', async () => {
    for (const who of [staff, customer]) {
      const res = await createStaff(who, newStaff());
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('auth.forbidden');
    }
    expect((await createStaff(undefined, newStaff())).statusCode).toBe(401);
  });

  it('refuses a role in the body (400): an admin cannot mint another admin through it', async () => {
    const res = await createStaff(admin, { ...newStaff(), role: 'admin' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].code).toBe('unrecognized_keys');
  });

  it('refuses a taken email with 409 identity.email_taken', async () => {
    const res = await createStaff(admin, { ...newStaff(), email: customer.user.email });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('identity.email_taken');
  });

  it('replays a retried creation carrying the same Idempotency-Key', async () => {
    const body = newStaff();
    const first = await createStaff(admin, body, { 'idempotency-key': 'staff-1' });
    const again = await createStaff(admin, body, { 'idempotency-key': 'staff-1' });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
  });
});

describe('roles cannot be set through any body', () => {
  it('refuses role, id and other account fields on register (400)', async () => {
    for (const extra of [{ role: 'staff' }, { role: 'admin' }, { id: newId() }, { passwordHash: 'x' }]) {
      const res = await t.inject('POST', '/api/v1/auth/register', {
        body: { email: `m-${newId()}@example.com`, password: 'long enough', name: 'Mallory', ...extra },
      });
      expect(res.statusCode).toBe(400);
    }
  });

  it('refuses a role on login and refresh bodies (400)', async () => {
    const login = await t.inject('POST', '/api/v1/auth/login', {
      body: { email: customer.user.email, password: customer.password, role: 'admin' },
    });
    expect(login.statusCode).toBe(400);
    const refresh = await t.inject('POST', '/api/v1/auth/refresh', { body: { refreshToken: customer.refreshToken, role: 'admin' } });
    expect(refresh.statusCode).toBe(400);
  });
});

describe('admin-only routes refuse staff', () => {
  it.each([
    ['POST', '/api/v1/staff'],
    ['POST', '/api/v1/api-keys'],
    ['GET', '/api/v1/api-keys'],
    ['DELETE', `/api/v1/api-keys/${newId()}`],
    ['PATCH', `/api/v1/products/${newId()}`], // prices are the admin's
  ])('%s %s → 403 for staff', async (method, url) => {
    const res = await t.inject(method, url, { token: staff.token, body: method === 'GET' ? undefined : {} });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('auth.forbidden');
  });
});
