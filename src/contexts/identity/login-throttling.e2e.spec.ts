import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bootTestApp, TestApp } from '../../../test/support/app';
import { Database } from '../../platform/persistence/database';
import { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { PasswordHasher } from './application/ports';

const WINDOW_S = 60;
const ACCOUNT_MAX = 3;
const ADDRESS_MAX = 5;

let t: TestApp;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(new Date());
  t = await bootTestApp({
    clock,
    configOverrides: { loginThrottle: { windowS: WINDOW_S, accountMax: ACCOUNT_MAX, addressMax: ADDRESS_MAX } },
  });
});
afterAll(async () => t?.close());

/** Each test signs in from an address of its own, so address counters never leak between tests. */
const newAddress = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
const login = (email: string, password: string, remoteAddress: string, app: TestApp = t) =>
  app.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ email, password }),
  });
const unknownEmail = () => `nobody-${newId()}@example.com`;
/** What a client sees of an answer, minus what differs per request. */
const visible = (res: Awaited<ReturnType<typeof login>>) => {
  const { correlationId: _c, ...body } = res.json();
  return { status: res.statusCode, retryAfter: res.headers['retry-after'], contentType: res.headers['content-type'], body };
};

describe('failed logins per account', () => {
  it(`answers 429 auth.too_many_attempts with Retry-After after ${ACCOUNT_MAX} failures, even for the right password`, async () => {
    const { user, password } = await t.registerAndLogin();
    const address = newAddress();
    for (let i = 0; i < ACCOUNT_MAX; i++) {
      const res = await login(user.email, 'wrong password', address);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('identity.invalid_credentials');
    }
    clock.advance(10_000);
    const throttled = await login(user.email, password, address);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['content-type']).toContain('application/problem+json');
    expect(throttled.headers['retry-after']).toBe(String(WINDOW_S - 10));
    expect(throttled.json()).toMatchObject({ code: 'auth.too_many_attempts', status: 429, details: { retryAfterSeconds: WINDOW_S - 10 } });
    expect(throttled.body).not.toContain('accessToken');

    // another address does not help: the account is what is attacked
    expect((await login(user.email, password, newAddress())).statusCode).toBe(429);

    clock.advance((WINDOW_S - 10) * 1000);
    expect((await login(user.email, password, address)).statusCode).toBe(200);
  });

  it('starts a new window once the old one has ended (failures do not pile up across windows)', async () => {
    const { user, password } = await t.registerAndLogin();
    const address = newAddress();
    for (let i = 0; i < ACCOUNT_MAX - 1; i++) expect((await login(user.email, 'wrong', address)).statusCode).toBe(401);
    clock.advance(WINDOW_S * 1000);
    for (let i = 0; i < ACCOUNT_MAX - 1; i++) expect((await login(user.email, 'wrong', address)).statusCode).toBe(401);
    expect((await login(user.email, password, address)).statusCode).toBe(200);
  });

  it('never counts successful logins', async () => {
    const { user, password } = await t.registerAndLogin();
    const address = newAddress();
    for (let i = 0; i < ACCOUNT_MAX + 2; i++) expect((await login(user.email, password, address)).statusCode).toBe(200);
    const { rows } = await t
      .get(Database)
      .query<{ failures: number }>(`select failures from identity.login_failures where subject = $1`, [`address:${address}`]);
    expect(rows.every((r) => r.failures === 0)).toBe(true);
  });

  it('counts concurrent guesses too: at most the limit of them is ever tried', async () => {
    const { user, password } = await t.registerAndLogin();
    const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => login(user.email, `guess ${i}`, newAddress())));
    const statuses = guesses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(ACCOUNT_MAX);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect((await login(user.email, password, newAddress())).statusCode).toBe(429);
  });
});

describe('an unknown email', () => {
  it('is answered, counted and throttled exactly like a known one', async () => {
    const { user } = await t.registerAndLogin();
    const unknown = unknownEmail();
    const [knownAddress, unknownAddress] = [newAddress(), newAddress()];
    for (let i = 0; i <= ACCOUNT_MAX; i++) {
      const known = await login(user.email, 'wrong password', knownAddress);
      const other = await login(unknown, 'wrong password', unknownAddress);
      expect(visible(other)).toEqual(visible(known));
      expect(known.statusCode).toBe(i < ACCOUNT_MAX ? 401 : 429);
    }
  });

  it('costs a real argon2id verification, as a wrong password does', async () => {
    const verify = vi.spyOn(t.get(PasswordHasher), 'verify');
    try {
      expect((await login(unknownEmail(), 'some password', newAddress())).statusCode).toBe(401);
      expect(verify).toHaveBeenCalledTimes(1);
      expect(verify.mock.calls[0][0]).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    } finally {
      verify.mockRestore();
    }
  });

  it('is stored only as a hash in the counters', async () => {
    const email = unknownEmail();
    await login(email, 'wrong', newAddress());
    const { rows } = await t.get(Database).query<{ subject: string }>(`select subject from identity.login_failures`);
    expect(rows.some((r) => r.subject.includes(email) || r.subject.includes(email.split('@')[0]))).toBe(false);
    expect(rows.filter((r) => r.subject.startsWith('account:')).every((r) => /^account:[0-9a-f]{64}$/.test(r.subject))).toBe(true);
  });
});

describe('failed logins per client address', () => {
  it(`refuses every login from an address after ${ADDRESS_MAX} failures, and only from that address`, async () => {
    const address = newAddress();
    for (let i = 0; i < ADDRESS_MAX; i++) expect((await login(unknownEmail(), 'guess', address)).statusCode).toBe(401);
    const { user, password } = await t.registerAndLogin();
    const throttled = await login(user.email, password, address);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().code).toBe('auth.too_many_attempts');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(user.email, password, newAddress())).statusCode).toBe(200);
  });

  it('lets many customers behind one address sign in', async () => {
    const address = newAddress();
    const customers = await Promise.all(Array.from({ length: ADDRESS_MAX * 2 }, () => t.registerAndLogin()));
    for (const { user, password } of customers) expect((await login(user.email, password, address)).statusCode).toBe(200);
  });
});

describe('several instances on one database', () => {
  it('share the counters', async () => {
    const second = await bootTestApp({
      databaseUrl: t.config.databaseUrl,
      clock,
      configOverrides: { loginThrottle: t.config.loginThrottle },
    });
    try {
      const { user, password } = await t.registerAndLogin();
      const address = newAddress();
      for (let i = 0; i < ACCOUNT_MAX; i++) {
        expect((await login(user.email, 'wrong', address, i % 2 === 0 ? t : second)).statusCode).toBe(401);
      }
      expect((await login(user.email, password, address, second)).statusCode).toBe(429);
      expect((await login(user.email, password, address, t)).statusCode).toBe(429);
    } finally {
      await second.close();
    }
  });
});
