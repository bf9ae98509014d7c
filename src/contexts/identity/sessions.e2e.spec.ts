import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, TestApp } from '../../../test/support/app';
import { ACCESS_TOKEN_TTL_SECONDS } from '../../platform/http/access-tokens';
import { Database } from '../../platform/persistence/database';
import { ManualClock } from '../../shared-kernel/clock';
import { Sessions } from './application/sessions';
import { REFRESH_TOKEN_TTL_MS } from './domain/refresh-token';

let t: TestApp;

beforeAll(async () => {
  t = await bootTestApp();
});
afterAll(async () => t?.close());

const refresh = (refreshToken: string) => t.inject('POST', '/api/v1/auth/refresh', { body: { refreshToken } });
const logout = (refreshToken: string) => t.inject('POST', '/api/v1/auth/logout', { body: { refreshToken } });
const rotate = async (refreshToken: string): Promise<string> => {
  const res = await refresh(refreshToken);
  expect(res.statusCode).toBe(200);
  return res.json().refreshToken;
};

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: a new pair whose access token works, and the spent refresh token differs from the new one', async () => {
    const { refreshToken, user } = await t.registerAndLogin();
    const res = await refresh(refreshToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const session = res.json();
    expect(session).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    expect(session.refreshToken).not.toBe(refreshToken);
    expect((await t.inject('GET', '/api/v1/me', { token: session.accessToken })).json().id).toBe(user.id);
  });

  it('revokes the whole family when a spent token is reused: the newest token stops working too', async () => {
    const { refreshToken: first } = await t.registerAndLogin();
    const second = await rotate(first);
    const third = await rotate(second);
    const newest = await rotate(third);

    const reused = await refresh(second);
    expect(reused.statusCode).toBe(401);
    expect(reused.json().code).toBe('identity.invalid_refresh_token');
    for (const token of [newest, third, first]) expect((await refresh(token)).statusCode).toBe(401);
  });

  it('records the revocation of every token of the family in the database', async () => {
    const { refreshToken, user } = await t.registerAndLogin();
    const next = await rotate(refreshToken);
    await rotate(next);
    expect((await refresh(refreshToken)).statusCode).toBe(401);
    const { rows } = await t
      .get(Database)
      .query<{ revoked: boolean }>('select revoked_at is not null as revoked from identity.refresh_tokens where user_id = $1', [user.id]);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.revoked)).toBe(true);
  });

  it('leaves the other sessions of the same user alone', async () => {
    const { refreshToken: phone, user, password } = await t.registerAndLogin();
    const laptop = (await t.login(user.email, password)).refreshToken;
    await rotate(phone);
    expect((await refresh(phone)).statusCode).toBe(401); // reuse: the phone's family is revoked
    expect((await refresh(laptop)).statusCode).toBe(200);
  });

  it('lets at most one of two concurrent refreshes with one token succeed', async () => {
    const { refreshToken } = await t.registerAndLogin();
    const [a, b] = await Promise.all([refresh(refreshToken), refresh(refreshToken)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 401]);
  });

  it('refuses an unknown, a malformed and an expired token with 401', async () => {
    expect((await refresh('not-a-token-we-issued')).json().code).toBe('identity.invalid_refresh_token');
    expect((await t.inject('POST', '/api/v1/auth/refresh', { body: { refreshToken: '' } })).statusCode).toBe(400);
    const { refreshToken } = await t.registerAndLogin();
    const clock = t.clock as ManualClock;
    clock.advance(REFRESH_TOKEN_TTL_MS);
    try {
      expect((await refresh(refreshToken)).statusCode).toBe(401);
    } finally {
      clock.advance(-REFRESH_TOKEN_TTL_MS);
    }
  });

  it('stores only a hash of the token', async () => {
    const { refreshToken, user } = await t.registerAndLogin();
    const { rows } = await t
      .get(Database)
      .query<{ token_hash: string }>('select token_hash from identity.refresh_tokens where user_id = $1', [user.id]);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].token_hash).not.toContain(refreshToken);
  });

  it('refuses extra fields in the body', async () => {
    const { refreshToken } = await t.registerAndLogin();
    expect((await t.inject('POST', '/api/v1/auth/refresh', { body: { refreshToken, userId: 'x' } })).statusCode).toBe(400);
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('answers 204 and ends the session: neither the token nor a later one of its family can refresh', async () => {
    const { refreshToken } = await t.registerAndLogin();
    const next = await rotate(refreshToken);
    const res = await logout(next);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await refresh(next)).statusCode).toBe(401);
    expect((await refresh(refreshToken)).statusCode).toBe(401);
  });

  it('answers 204 for a token it does not know (nothing to end) and 400 for a malformed body', async () => {
    expect((await logout('unknown-token')).statusCode).toBe(204);
    expect((await t.inject('POST', '/api/v1/auth/logout', { body: {} })).statusCode).toBe(400);
  });
});

describe('a revocation racing a refresh of the same session', () => {
  const me = (token: string) => t.inject('GET', '/api/v1/me', { token });
  const activeTokensOf = async (userId: string): Promise<number> => {
    const { rows } = await t
      .get(Database)
      .query<{ n: number }>('select count(*)::int as n from identity.refresh_tokens where user_id = $1 and revoked_at is null', [userId]);
    return rows[0].n;
  };
  /** Lets the event loop run `ticks` times: shifts where one request starts against another. */
  const yieldTicks = async (ticks: number) => {
    for (let i = 0; i < ticks; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const revocations = [
    { name: 'replay of the spent token', revoke: (spent: string) => refresh(spent) },
    { name: 'logout with the spent token', revoke: (spent: string) => logout(spent) },
    { name: 'logout with the current token', revoke: (_spent: string, current: string) => logout(current) },
  ];

  it.each(revocations)('$name: no token of the family stays usable, whichever request goes first', async ({ revoke }) => {
    for (let round = 0; round < 12; round++) {
      const { refreshToken: spent, user } = await t.registerAndLogin();
      const current = await rotate(spent);
      const racing = refresh(current);
      await yieldTicks(round % 4);
      const [rotated] = await Promise.all([racing, revoke(spent, current)]);
      expect([200, 401]).toContain(rotated.statusCode);

      // checked before any token is presented again: a refused refresh must not be what revokes the rest
      expect(await activeTokensOf(user.id)).toBe(0);
      const issued = rotated.statusCode === 200 ? [rotated.json().refreshToken as string] : [];
      for (const token of [spent, current, ...issued]) expect((await refresh(token)).statusCode).toBe(401);
      if (rotated.statusCode === 200) expect((await me(rotated.json().accessToken)).statusCode).toBe(401);
      expect(await activeTokensOf(user.id)).toBe(0);
    }
  });

  it('keeps the session on the revocation list for as long as the access token of a refresh that went first', async () => {
    // a revocation whose request started (its `now`) before a refresh that took the session first
    const { refreshToken, user } = await t.registerAndLogin();
    const startedAt = t.clock.now();
    (t.clock as ManualClock).advance(120_000);
    await rotate(refreshToken);
    const db = t.get(Database);
    const { rows } = await db.query<{ family_id: string; newest: Date }>(
      'select family_id, max(created_at) as newest from identity.refresh_tokens where user_id = $1 group by family_id',
      [user.id],
    );
    await db.transaction((tx) => t.get(Sessions).revoke(tx, rows[0].family_id, startedAt));
    const { rows: revoked } = await db.query<{ revoked_at: Date }>(
      'select revoked_at from identity.revoked_sessions where session_id = $1',
      [rows[0].family_id],
    );
    expect(revoked[0].revoked_at).toEqual(rows[0].newest);
  });

  it('refuses a token left active in a revoked family, and revokes it with its access tokens', async () => {
    // the state a revocation that missed a concurrently issued token left behind
    const { refreshToken: spent, user } = await t.registerAndLogin();
    const res = await refresh(spent);
    const { refreshToken: escaped, accessToken } = res.json();
    await t
      .get(Database)
      .query('update identity.refresh_tokens set revoked_at = $2 where user_id = $1 and rotated_at is not null', [user.id, t.clock.now()]);
    expect(await activeTokensOf(user.id)).toBe(1);

    const refused = await refresh(escaped);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('identity.invalid_refresh_token');
    expect(await activeTokensOf(user.id)).toBe(0);
    expect((await me(accessToken)).statusCode).toBe(401);
  });
});

describe('access tokens of an ended session', () => {
  const me = (token: string, app: TestApp = t) => app.inject('GET', '/api/v1/me', { token });
  const familyOf = async (userId: string): Promise<string> => {
    const { rows } = await t
      .get(Database)
      .query<{ family_id: string }>('select distinct family_id from identity.refresh_tokens where user_id = $1', [userId]);
    expect(rows).toHaveLength(1);
    return rows[0].family_id;
  };
  const revokedSessions = async (): Promise<string[]> =>
    (await t.get(Database).query<{ session_id: string }>('select session_id from identity.revoked_sessions')).rows.map((r) => r.session_id);

  it('are refused with 401 as soon as the session is logged out, also when already verified once', async () => {
    const { token, refreshToken, user } = await t.registerAndLogin();
    expect((await me(token)).statusCode).toBe(200);
    expect((await logout(refreshToken)).statusCode).toBe(204);
    const refused = await me(token);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('auth.unauthenticated');
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(await revokedSessions()).toContain(await familyOf(user.id));
  });

  it("are all refused when a spent refresh token is reused; the user's other sessions keep working", async () => {
    const { token: first, refreshToken, user, password } = await t.registerAndLogin();
    const phone = await refresh(refreshToken);
    expect(phone.statusCode).toBe(200);
    const laptop = await t.login(user.email, password);
    for (const token of [first, phone.json().accessToken, laptop.accessToken]) expect((await me(token)).statusCode).toBe(200);

    expect((await refresh(refreshToken)).statusCode).toBe(401);
    for (const token of [first, phone.json().accessToken]) expect((await me(token)).statusCode).toBe(401);
    expect((await me(laptop.accessToken)).statusCode).toBe(200);
  });

  it('are refused by another instance on the same database', async () => {
    const second = await bootTestApp({ databaseUrl: t.config.databaseUrl, clock: t.clock });
    try {
      const { token, refreshToken } = await t.registerAndLogin();
      expect((await me(token, second)).statusCode).toBe(200);
      expect((await logout(refreshToken)).statusCode).toBe(204);
      expect((await me(token, second)).statusCode).toBe(401);
      expect((await me(token, t)).statusCode).toBe(401);
    } finally {
      await second.close();
    }
  });

  it('stay on the revocation list only while one of them can still be valid', async () => {
    const early = await t.registerAndLogin();
    await logout(early.refreshToken);
    const earlySession = await familyOf(early.user.id);
    (t.clock as ManualClock).advance((ACCESS_TOKEN_TTL_SECONDS + 120) * 1000);
    const late = await t.registerAndLogin();
    await logout(late.refreshToken);
    const revoked = await revokedSessions();
    expect(revoked).not.toContain(earlySession);
    expect(revoked).toContain(await familyOf(late.user.id));
    expect((await me(late.token)).statusCode).toBe(401);
  });
});
