import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { Database } from '../../platform/persistence/database';
import { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { loginSubjects } from './application/login-failures';
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

const login = (app: TestApp, email: string, password: string, remoteAddress?: string) =>
  app.inject('POST', '/api/v1/auth/login', { body: { email, password }, remoteAddress });

const countOf = async (subject: string): Promise<{ failures: number; lastFailureAt: Date } | null> => {
  const { rows } = await t
    .get(Database)
    .query<{ failures: number; last_failure_at: Date }>(
      'select failures, last_failure_at from identity.login_failures where subject = $1',
      [subject],
    );
  return rows[0] ? { failures: rows[0].failures, lastFailureAt: rows[0].last_failure_at } : null;
};

/**
 * A login sent while the hasher is kept full, refilling each place as it frees, until one is answered 503 (bounded
 * rounds; a round whose login got through is answered 200 and tried again, from `addressOf(round)` if given).
 */
const loginWhileHasherIsFull = async (app: TestApp, email: string, password: string, addressOf?: (round: number) => string) => {
  const hasher = app.get(PasswordHasher);
  for (let round = 0; round < 10; round++) {
    let answered = false;
    const fillers: Promise<unknown>[] = [];
    const remoteAddress = addressOf?.(round);
    const attempt = login(app, email, password, remoteAddress).finally(() => (answered = true));
    while (!answered) {
      for (let i = 0; i < CONCURRENCY + QUEUE_MAX; i++) fillers.push(hasher.hash('filler').catch(() => undefined));
      await new Promise((r) => setImmediate(r));
    }
    const res = await attempt;
    await Promise.all(fillers);
    if (res.statusCode === 200) continue;
    expect(res.statusCode).toBe(503);
    return { res, remoteAddress };
  }
  throw new Error('no login met a full hasher in 10 rounds');
};

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
    const { res } = await loginWhileHasherIsFull(t, user.email, password);
    expect(res.json().code).toBe('identity.password_hashing_busy');
    // once the flood is over the right password gets in: the refused attempt was not counted as a failure
    expect((await login(t, user.email, password)).statusCode).toBe(200);
  });

  it("gives back exactly what a busy login's claim counted, so a retry is judged as the login was", async () => {
    const { user, password } = await t.registerAndLogin();
    // one failure of the account from elsewhere: with one free failure, a new address waits a second from it
    expect((await login(t, user.email, 'wrong password', '198.18.1.1')).statusCode).toBe(401);
    const { account } = loginSubjects(user.email, '198.18.1.1');
    const before = await countOf(account);
    (t.clock as ManualClock).advance(1000);

    // each round from an address new to the account, so the account is claimed too
    const { res, remoteAddress: address } = await loginWhileHasherIsFull(t, user.email, password, (round) => `198.18.1.${round + 2}`);
    expect(res.json().code).toBe('identity.password_hashing_busy');
    expect(await countOf(account)).toEqual(before);
    expect(await countOf(loginSubjects(user.email, address!).pair)).toBeNull();
    expect((await login(t, user.email, password, address)).statusCode).toBe(200);
  });
});

describe('busy logins racing other logins at the same account', () => {
  let busy: TestApp;

  beforeAll(async () => {
    // no queue: every verification while one runs is answered 503; limits far above the attempts made
    busy = await bootTestApp({
      env: {
        PASSWORD_HASH_CONCURRENCY: '1',
        PASSWORD_HASH_QUEUE_MAX: '0',
        LOGIN_THROTTLE_PAIR_FREE: '1000',
        LOGIN_THROTTLE_ACCOUNT_FREE: '1000',
      },
    });
    // refused while the hash the login handler computes at start runs: once one is accepted, the hasher is idle
    for (let attempt = 0; attempt < 100; attempt++) {
      const done = await busy
        .get(PasswordHasher)
        .hash('warm-up')
        .then(() => true)
        .catch(() => false);
      if (done) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the hasher stayed busy');
  });
  afterAll(async () => busy?.close());

  it('neither deadlock nor leave a count behind', async () => {
    const { user, password } = await busy.registerAndLogin();
    const hasher = busy.get(PasswordHasher);
    let flooding = true;
    const flood = (async () => {
      while (flooding) await hasher.hash('filler').catch(() => new Promise((resolve) => setImmediate(resolve)));
    })();
    const statuses: number[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        const address = `198.18.2.${round}`;
        const answers = await Promise.all(Array.from({ length: 8 }, () => login(busy, user.email, password, address)));
        statuses.push(...answers.map((a) => a.statusCode));
      }
    } finally {
      flooding = false;
      await flood;
    }
    // 409 would be a deadlock (or a serialization failure) between a claim and a release
    expect(statuses.filter((s) => ![200, 429, 503].includes(s))).toEqual([]);
    expect(statuses).toContain(503);
    const { rows } = await busy
      .get(Database)
      .query<{ subject: string }>('select subject from identity.login_failures where subject = $1 or subject like $2', [
        loginSubjects(user.email, '198.18.2.0').account,
        'pair:%',
      ]);
    expect(rows).toEqual([]);
  });
});
