import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bootTestApp, TestApp } from '../../../test/support/app';
import { Database } from '../../platform/persistence/database';
import { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { loginSubjects } from './application/login-failures';
import { PasswordHasher } from './application/ports';

const settings = {
  pairFreeFailures: 3,
  accountFreeFailures: 6,
  addressFreeFailures: 10,
  baseDelayS: 1,
  maxDelayS: 64,
  forgetAfterS: 3600,
  knownSourceDays: 30,
};

let t: TestApp;
let clock: ManualClock;
let db: Database;

beforeAll(async () => {
  clock = new ManualClock(new Date());
  t = await bootTestApp({ clock, configOverrides: { loginThrottle: settings } });
  db = t.get(Database);
});
afterAll(async () => t?.close());

/** Addresses of the benchmarking range, one of its own per use, so counters never leak between tests. */
let addresses = 0;
const newAddress = () => {
  addresses++;
  return `198.18.${addresses >> 8}.${addresses & 255}`;
};
const login = (email: string, password: string, remoteAddress: string, app: TestApp = t) =>
  app.inject('POST', '/api/v1/auth/login', { body: { email, password }, remoteAddress });
const unknownEmail = () => `nobody-${newId()}@example.com`;
/** A customer who logged in once from `homeAddress`, which is then a known source of the account. */
const ownerAt = async (homeAddress: string, role: 'customer' | 'admin' = 'customer') => {
  const owner = await t.registerAndLogin(role);
  expect((await login(owner.user.email, owner.password, homeAddress)).statusCode).toBe(200);
  return owner;
};
/** What a client sees of an answer, minus what differs per request. */
const visible = (res: Awaited<ReturnType<typeof login>>) => {
  const { correlationId: _c, ...body } = res.json();
  return { status: res.statusCode, retryAfter: res.headers['retry-after'], contentType: res.headers['content-type'], body };
};
const countOf = async (subject: string): Promise<{ failures: number; lastFailureAt: Date } | null> => {
  const { rows } = await db.query<{ failures: number; last_failure_at: Date }>(
    'select failures, last_failure_at from identity.login_failures where subject = $1',
    [subject],
  );
  return rows[0] ? { failures: rows[0].failures, lastFailureAt: rows[0].last_failure_at } : null;
};
const failuresOf = async (subject: string): Promise<number> => {
  const { rows } = await db.query<{ failures: number }>('select failures from identity.login_failures where subject = $1', [subject]);
  return rows[0]?.failures ?? 0;
};

describe('guessing at one account from one address (the pair)', () => {
  it('allows the free failures, then answers 429 with a Retry-After that doubles with each failure', async () => {
    const address = newAddress();
    const owner = await ownerAt(newAddress());
    for (let i = 0; i < settings.pairFreeFailures; i++) {
      const res = await login(owner.user.email, 'wrong password', address);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('identity.invalid_credentials');
    }
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const throttled = await login(owner.user.email, owner.password, address);
      expect(throttled.statusCode).toBe(429);
      expect(throttled.headers['content-type']).toContain('application/problem+json');
      expect(throttled.json()).toMatchObject({ code: 'auth.too_many_attempts', status: 429 });
      expect(throttled.body).not.toContain('accessToken');
      waits.push(Number(throttled.headers['retry-after']));
      clock.advance(waits[i] * 1000);
      expect((await login(owner.user.email, 'wrong password', address)).statusCode).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16]);
    expect(await failuresOf(loginSubjects(owner.user.email, address).pair)).toBe(settings.pairFreeFailures + 5);
  });

  it('writes nothing for a throttled attempt, and lets the right password in once the wait is over', async () => {
    const address = newAddress();
    const owner = await ownerAt(newAddress());
    for (let i = 0; i < settings.pairFreeFailures + 2; i++) {
      clock.advance(4000);
      expect((await login(owner.user.email, 'wrong password', address)).statusCode).toBe(401);
    }
    const pair = loginSubjects(owner.user.email, address).pair;
    const before = await failuresOf(pair);
    const throttled = await login(owner.user.email, owner.password, address);
    expect(throttled.statusCode).toBe(429);
    expect(await failuresOf(pair)).toBe(before);
    clock.advance(Number(throttled.headers['retry-after']) * 1000);
    expect((await login(owner.user.email, owner.password, address)).statusCode).toBe(200);
    // the owner proved themselves from there: the pair starts afresh
    expect(await failuresOf(pair)).toBe(0);
  });

  it('counts concurrent guesses too: at most the free failures of them are ever tried', async () => {
    const owner = await ownerAt(newAddress());
    const address = newAddress();
    const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => login(owner.user.email, `guess ${i}`, address)));
    const statuses = guesses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(settings.pairFreeFailures);
    expect(statuses).toContain(401);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(await failuresOf(loginSubjects(owner.user.email, address).pair)).toBeLessThanOrEqual(settings.pairFreeFailures);
    expect((await login(owner.user.email, owner.password, address)).statusCode).toBe(429);
  });

  it('counts the addresses of one IPv6 /64 as one address', async () => {
    const owner = await ownerAt(newAddress());
    for (let i = 1; i <= settings.pairFreeFailures; i++) {
      expect((await login(owner.user.email, 'wrong password', `2001:db8:0:7::${i}`)).statusCode).toBe(401);
    }
    expect((await login(owner.user.email, 'wrong password', '2001:db8:0:7:ffff::1')).statusCode).toBe(429);
    expect((await login(owner.user.email, 'wrong password', '2001:db8:0:8::1')).statusCode).toBe(401);
  });
});

describe('the owner at a known address', () => {
  it("is never stopped by an attacker's failures at the account from other addresses", async () => {
    const home = newAddress();
    const owner = await ownerAt(home);
    // one attacker address runs through its pair's free failures, others guess once each
    const attacker = newAddress();
    for (let i = 0; i < settings.pairFreeFailures; i++) expect((await login(owner.user.email, 'guess', attacker)).statusCode).toBe(401);
    for (let i = 0; i < settings.accountFreeFailures; i++) await login(owner.user.email, `guess ${i}`, newAddress());
    expect((await login(owner.user.email, 'guess', attacker)).statusCode).toBe(429);
    expect((await login(owner.user.email, 'guess', newAddress())).statusCode).toBe(429);

    for (let i = 0; i < 3; i++) expect((await login(owner.user.email, owner.password, home)).statusCode).toBe(200);
    // the owner's logins gave back what they took: the attack is still counted against the account
    expect(await failuresOf(loginSubjects(owner.user.email, home).account)).toBeGreaterThanOrEqual(settings.accountFreeFailures);
    expect((await login(owner.user.email, 'guess', newAddress())).statusCode).toBe(429);
  });

  it('an admin who signed in before from a shared office address still can after 50+ failures from it', async () => {
    const office = newAddress();
    const admin = await ownerAt(office, 'admin');
    let failures = 0;
    for (let attempt = 0; failures < 55 && attempt < 200; attempt++) {
      const email = attempt % 10 === 0 ? (await t.registerAndLogin()).user.email : unknownEmail();
      const res = await login(email, 'guess', office);
      if (res.statusCode === 401) failures++;
      else {
        expect(res.statusCode).toBe(429);
        clock.advance(Number(res.headers['retry-after']) * 1000);
      }
    }
    expect(failures).toBe(55);
    expect(await failuresOf(`address:${office}`)).toBe(55);

    expect((await login(admin.user.email, admin.password, office)).statusCode).toBe(200);
    // a first login from the office is held back, as is the attacker
    const newcomer = await t.registerAndLogin();
    expect((await login(newcomer.user.email, newcomer.password, office)).statusCode).toBe(429);
    expect((await login(unknownEmail(), 'guess', office)).statusCode).toBe(429);
  });

  it('is remembered as a known source', async () => {
    const home = newAddress();
    const owner = await ownerAt(home);
    const { rows } = await db.query<{ source: string }>('select source from identity.known_login_sources where source = $1', [
      loginSubjects(owner.user.email, home).pair,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].source).toMatch(/^pair:[0-9a-f]{64}$/);
  });
});

describe('guessing from many addresses', () => {
  it('slows every address that never logged in to the account, the owner at a new address too', async () => {
    const home = newAddress();
    const owner = await ownerAt(home);
    for (let i = 0; i < settings.accountFreeFailures; i++) {
      expect((await login(owner.user.email, `guess ${i}`, newAddress())).statusCode).toBe(401);
    }
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const throttled = await login(owner.user.email, 'guess', newAddress());
      expect(throttled.statusCode).toBe(429);
      waits.push(Number(throttled.headers['retry-after']));
      clock.advance(waits[i] * 1000);
      expect((await login(owner.user.email, 'guess', newAddress())).statusCode).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    expect((await login(owner.user.email, owner.password, newAddress())).statusCode).toBe(429);
    expect((await login(owner.user.email, owner.password, home)).statusCode).toBe(200);
  });

  it('bounds concurrent guesses from many addresses by the account free failures', async () => {
    const owner = await ownerAt(newAddress());
    const guesses = await Promise.all(Array.from({ length: 16 }, (_, i) => login(owner.user.email, `guess ${i}`, newAddress())));
    const statuses = guesses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(settings.accountFreeFailures);
    expect(statuses).toContain(401);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  it('lets many customers behind one address sign in for the first time', async () => {
    const address = newAddress();
    const customers = await Promise.all(Array.from({ length: settings.addressFreeFailures * 2 }, () => t.registerAndLogin()));
    for (const { user, password } of customers) expect((await login(user.email, password, address)).statusCode).toBe(200);
    expect(await failuresOf(`address:${address}`)).toBe(0);
  });
});

describe('a successful login from an address new to the account', () => {
  it("leaves the account's failures as they were: their number and the time of the last one", async () => {
    const owner = await ownerAt(newAddress());
    const { account } = loginSubjects(owner.user.email, newAddress());
    for (let i = 0; i < settings.accountFreeFailures; i++) {
      clock.advance(1000);
      expect((await login(owner.user.email, `guess ${i}`, newAddress())).statusCode).toBe(401);
    }
    const before = await countOf(account);
    expect(before).toEqual({ failures: settings.accountFreeFailures, lastFailureAt: clock.now() });

    clock.advance(settings.baseDelayS * 1000);
    const address = newAddress();
    expect((await login(owner.user.email, owner.password, address)).statusCode).toBe(200);
    expect(await countOf(account)).toEqual(before);
    expect(await countOf(loginSubjects(owner.user.email, address).pair)).toBeNull();
    // the next new address waits from the last failure, not from the success: its wait is already over
    expect((await login(owner.user.email, 'guess', newAddress())).statusCode).toBe(401);
  });
});

describe('an unknown email', () => {
  it('is answered, counted and throttled exactly like a known one', async () => {
    const owner = await ownerAt(newAddress());
    const unknown = unknownEmail();
    const [knownAddress, unknownAddress] = [newAddress(), newAddress()];
    for (let i = 0; i <= settings.pairFreeFailures + 2; i++) {
      const known = await login(owner.user.email, 'wrong password', knownAddress);
      const other = await login(unknown, 'wrong password', unknownAddress);
      expect(visible(other)).toEqual(visible(known));
      expect(known.statusCode).toBe(i < settings.pairFreeFailures ? 401 : 429);
    }
    expect(await failuresOf(loginSubjects(unknown, unknownAddress).pair)).toBe(
      await failuresOf(loginSubjects(owner.user.email, knownAddress).pair),
    );
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

  it('is stored only inside hashes', async () => {
    const email = unknownEmail();
    await login(email, 'wrong', newAddress());
    const { rows } = await db.query<{ subject: string }>('select subject from identity.login_failures');
    expect(rows.some((r) => r.subject.includes(email) || r.subject.includes(email.split('@')[0]))).toBe(false);
    for (const { subject } of rows) expect(subject).toMatch(/^(pair:[0-9a-f]{64}|account:[0-9a-f]{64}|address:.+)$/);
  });
});

describe('several instances on one database', () => {
  it('share the counters and the known sources', async () => {
    const second = await bootTestApp({ databaseUrl: t.config.databaseUrl, clock, configOverrides: { loginThrottle: settings } });
    try {
      const home = newAddress();
      const owner = await ownerAt(home);
      const address = newAddress();
      for (let i = 0; i < settings.pairFreeFailures; i++) {
        expect((await login(owner.user.email, 'wrong', address, i % 2 === 0 ? t : second)).statusCode).toBe(401);
      }
      expect((await login(owner.user.email, owner.password, address, second)).statusCode).toBe(429);
      expect((await login(owner.user.email, owner.password, address, t)).statusCode).toBe(429);
      expect((await login(owner.user.email, owner.password, home, second)).statusCode).toBe(200);
    } finally {
      await second.close();
    }
  });
});
