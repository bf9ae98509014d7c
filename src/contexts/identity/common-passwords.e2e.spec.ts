import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, LoggedIn, TestApp } from '../../../test/support/app';
import { writeCounts } from '../../../test/support/invariants';
import { Database } from '../../platform/persistence/database';
import { newId } from '../../shared-kernel/ids';
import { EnsureAdminHandler } from './application/ensure-admin';
import { PasswordTooCommon } from './domain/password';

let t: TestApp;
let db: Database;
let admin: LoggedIn;

beforeAll(async () => {
  t = await bootTestApp();
  db = t.get(Database);
  admin = await t.registerAndLogin('admin');
});
afterAll(async () => t?.close());

/** Among the most common passwords, long enough to pass the length rule, in any letter case. */
const COMMON = ['password', '12345678', 'iloveyou', 'Password1', 'QWERTYUIOP', 'trustno1', 'sunshine'];
const uniqueEmail = () => `user-${newId()}@example.com`;
/** Everything a refused request could have written. */
const written = async () => {
  const { rows } = await db.query<{ users: string; passwords: string }>(
    "select (select count(*) from identity.users) as users, (select string_agg(password_hash, ',') from identity.users) as passwords",
  );
  return { ...(await writeCounts(db)), users: Number(rows[0].users), passwords: rows[0].passwords };
};

describe('a commonly used password', () => {
  it.each(COMMON)('is refused at registration (%s): 400 identity.password_too_common, nothing written', async (password) => {
    const before = await written();
    const res = await t.inject('POST', '/api/v1/auth/register', {
      body: { email: uniqueEmail(), password, name: 'Common' },
      headers: { 'idempotency-key': newId() },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      status: 400,
      code: 'identity.password_too_common',
      type: 'urn:orderly:problem:identity.password_too_common',
    });
    expect(res.body).not.toContain(JSON.stringify(password)); // the password is never echoed
    expect(await written()).toEqual(before);
  });

  it('is refused when an admin creates a staff account', async () => {
    const before = await written();
    const res = await t.inject('POST', '/api/v1/staff', {
      token: admin.token,
      body: { email: uniqueEmail(), password: 'Football1', name: 'Common Staff' },
      headers: { 'idempotency-key': newId() },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('identity.password_too_common');
    expect(await written()).toEqual(before);
  });

  it('is refused as the configured admin password: a new admin is not created, an existing one keeps its password', async () => {
    const ensure = t.get(EnsureAdminHandler);
    const meta = () => ({ commandId: newId(), correlationId: newId(), now: t.clock.now() });
    const before = await written();
    await expect(ensure.execute({ email: uniqueEmail(), password: 'baseball' }, meta())).rejects.toBeInstanceOf(PasswordTooCommon);
    await expect(ensure.execute({ email: admin.user.email, password: 'letmein1' }, meta())).rejects.toBeInstanceOf(PasswordTooCommon);
    expect(await written()).toEqual(before);
    expect((await t.login(admin.user.email, admin.password)).accessToken).toEqual(expect.any(String));
  });

  it('is told apart from a good one: a passphrase (or one with a common word in it) is accepted', async () => {
    for (const password of ['correct horse battery staple', 'password is not enough', '12345678 and more']) {
      const res = await t.inject('POST', '/api/v1/auth/register', { body: { email: uniqueEmail(), password, name: 'Fine' } });
      expect(res.statusCode, password).toBe(201);
    }
  });

  it('is documented on every route that sets a password', async () => {
    const paths = (await t.inject('GET', '/api/docs-json')).json().paths;
    for (const path of ['/api/v1/auth/register', '/api/v1/staff']) {
      expect(paths[path].post.responses['400'].description).toContain('identity.password_too_common');
    }
    expect(paths['/api/v1/auth/register'].post.description).toContain('identity.email_taken');
  });
});
