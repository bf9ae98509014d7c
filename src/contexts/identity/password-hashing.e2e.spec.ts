import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { Database } from '../../platform/persistence/database';
import { newId } from '../../shared-kernel/ids';
import { PasswordHasher } from './application/ports';

const CONCURRENCY = 1;
const QUEUE_MAX = 2;

let t: TestApp;

beforeAll(async () => {
  t = await bootTestApp({
    // one free failure: a busy answer counted as a failure would make the next login wait
    env: {
      PASSWORD_HASH_CONCURRENCY: String(CONCURRENCY),
      PASSWORD_HASH_QUEUE_MAX: String(QUEUE_MAX),
      LOGIN_THROTTLE_PAIR_FREE: '1',
      LOGIN_THROTTLE_ACCOUNT_FREE: '1',
    },
  });
  // queued behind the hash the login handler computes at start: once it is done, the hasher is idle
  await t.get(PasswordHasher).hash('warm-up');
});
afterAll(async () => t?.close());

const register = (email: string) =>
  t.inject('POST', '/api/v1/auth/register', { body: { email, password: 'correct horse battery staple', name: 'Flood' } });

describe('password hashing under a flood', () => {
  it('queues a bounded number of hashes and answers the overflow 503 with Retry-After, writing nothing for it', async () => {
    const emails = Array.from({ length: 16 }, () => `hash-flood-${newId()}@example.com`);
    const answers = await Promise.all(emails.map(register));

    const created = answers.filter((a) => a.statusCode === 201);
    const busy = answers.filter((a) => a.statusCode === 503);
    expect(created.length + busy.length).toBe(emails.length);
    // the first to arrive run or wait; the ones past the queue are refused at once
    expect(created.length).toBeGreaterThanOrEqual(CONCURRENCY + QUEUE_MAX);
    expect(busy.length).toBeGreaterThan(0);
    for (const refused of busy) {
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.headers['retry-after']).toBe('2');
      expect(refused.json()).toMatchObject({ status: 503, code: 'identity.password_hashing_busy' });
    }
    const { rows } = await t.get(Database).query<{ n: string }>('select count(*) as n from identity.users where email = any($1)', [emails]);
    expect(Number(rows[0].n)).toBe(created.length);
  });

  it('does not count a login it could not check as a failed one', async () => {
    const { user, password } = await t.registerAndLogin();
    const hasher = t.get(PasswordHasher);
    // keep the hasher full while the login runs, refilling each place as it frees (bounded rounds)
    for (let round = 0; round < 10; round++) {
      let answered = false;
      const fillers: Promise<unknown>[] = [];
      const login = t.inject('POST', '/api/v1/auth/login', { body: { email: user.email, password } }).finally(() => (answered = true));
      while (!answered) {
        for (let i = 0; i < CONCURRENCY + QUEUE_MAX; i++) fillers.push(hasher.hash('filler').catch(() => undefined));
        await new Promise((r) => setImmediate(r));
      }
      const res = await login;
      await Promise.all(fillers);
      if (res.statusCode === 200) continue;
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('identity.password_hashing_busy');
      // once the flood is over the right password gets in: the refused attempt was not counted as a failure
      expect((await t.inject('POST', '/api/v1/auth/login', { body: { email: user.email, password } })).statusCode).toBe(200);
      return;
    }
    throw new Error('no login met a full hasher in 10 rounds');
  });
});
