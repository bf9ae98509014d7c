import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  delayAfter,
  FailureCount,
  judgeLoginAttempt,
  LoginAttemptRecord,
  secondsToWait,
  ThrottleSettings,
  withoutClaim,
} from './login-throttle';

const settings: ThrottleSettings = {
  pairFreeFailures: 5,
  accountFreeFailures: 20,
  addressFreeFailures: 50,
  baseDelayS: 1,
  maxDelayS: 900,
  forgetAfterS: 86_400,
  knownSourceDays: 30,
};
const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const later = (ms: number) => new Date(now.getTime() + ms);
const none: LoginAttemptRecord = { pair: null, account: null, address: null, knownSince: null };
const failed = (failures: number, secondsAgo: number): FailureCount => ({ failures, lastFailureAt: ago(secondsAgo) });

describe('judgeLoginAttempt', () => {
  it('allows an attempt without failures on record, from an unknown source', () =>
    expect(judgeLoginAttempt(none, settings, now)).toEqual({ outcome: 'allowed', knownSource: false }));

  it('allows the free failures of a pair, then makes each attempt wait a delay that doubles per failure', () => {
    expect(judgeLoginAttempt({ ...none, pair: failed(4, 0) }, settings, now).outcome).toBe('allowed');
    expect(judgeLoginAttempt({ ...none, pair: failed(5, 0) }, settings, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 1 });
    expect(judgeLoginAttempt({ ...none, pair: failed(6, 0) }, settings, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 2 });
    expect(judgeLoginAttempt({ ...none, pair: failed(9, 10) }, settings, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 6 });
    expect(judgeLoginAttempt({ ...none, pair: failed(9, 16) }, settings, now).outcome).toBe('allowed');
  });

  it('caps the delay at maxDelayS', () =>
    expect(judgeLoginAttempt({ ...none, pair: failed(1000, 0) }, settings, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 900 }));

  it("holds back an unknown source for the account's and the address's failures", () => {
    expect(judgeLoginAttempt({ ...none, account: failed(22, 1) }, settings, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 3 });
    expect(judgeLoginAttempt({ ...none, address: failed(50, 0) }, settings, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 1 });
  });

  it("lets a known source through whatever the account's and the address's failures, but not past its own", () => {
    const attacked = { pair: null, account: failed(10_000, 0), address: failed(10_000, 0), knownSince: ago(86_400) };
    expect(judgeLoginAttempt(attacked, settings, now)).toEqual({ outcome: 'allowed', knownSource: true });
    expect(judgeLoginAttempt({ ...attacked, pair: failed(5, 0) }, settings, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 1 });
  });

  it('forgets a known source after knownSourceDays', () =>
    expect(judgeLoginAttempt({ ...none, account: failed(30, 0), knownSince: ago(30 * 86_400) }, settings, now).outcome).toBe('throttled'));

  it("tells a known source whose pair waits past its known window to wait for the account's failures too", () => {
    // known for 2 more seconds; its pair must wait 4: by then the source is unknown, and the account's 64 s apply
    const lapsing = { ...none, pair: failed(7, 0), account: failed(26, 0), knownSince: ago(30 * 86_400 - 2) };
    expect(judgeLoginAttempt(lapsing, settings, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 64 });
    expect(judgeLoginAttempt(lapsing, settings, later(63_000)).outcome).toBe('throttled');
    expect(judgeLoginAttempt(lapsing, settings, later(64_000)).outcome).toBe('allowed');
  });

  it('forgets failures forgetAfterS after the last one', () =>
    expect(judgeLoginAttempt({ ...none, pair: failed(10_000, 86_400) }, settings, now).outcome).toBe('allowed'));
});

const count = fc.option(
  fc.record({
    failures: fc.integer({ min: 1, max: 200 }),
    lastFailureAt: fc.integer({ min: 0, max: 200_000 }).map((ms) => ago(ms / 1000)),
  }),
  { nil: null },
);
const record = fc.record({
  pair: count,
  account: count,
  address: count,
  knownSince: fc.option(fc.integer({ min: 0, max: 40 * 86_400 }).map(ago), { nil: null }),
});
const anySettings = fc
  .record({
    pairFreeFailures: fc.integer({ min: 1, max: 10 }),
    accountFreeFailures: fc.integer({ min: 1, max: 100 }),
    addressFreeFailures: fc.integer({ min: 1, max: 100 }),
    baseDelayS: fc.integer({ min: 1, max: 60 }),
    maxDelayS: fc.integer({ min: 1, max: 3600 }),
    forgetAfterS: fc.integer({ min: 60, max: 86_400 }),
    knownSourceDays: fc.integer({ min: 1, max: 60 }),
  })
  .map((s) => ({ ...s, maxDelayS: Math.max(s.maxDelayS, s.baseDelayS) }));

describe('throttling rules (properties)', () => {
  it("a known source's verdict depends on its own pair's failures only", () =>
    fc.assert(
      fc.property(record, count, count, anySettings, (r, account, address, s) => {
        const known = { ...r, knownSince: ago(0) };
        expect(judgeLoginAttempt({ ...known, account, address }, s, now)).toEqual(judgeLoginAttempt(known, s, now));
      }),
    ));

  it('a known source without failures of its own is always let through', () =>
    fc.assert(
      fc.property(record, anySettings, (r, s) => {
        expect(judgeLoginAttempt({ ...r, pair: null, knownSince: now }, s, now)).toEqual({ outcome: 'allowed', knownSource: true });
      }),
    ));

  it('an unknown source waits as long as the most held-back of its three subjects', () =>
    fc.assert(
      fc.property(record, anySettings, (r, s) => {
        const unknown = { ...r, knownSince: null };
        const wait = Math.max(
          secondsToWait(r.pair, s.pairFreeFailures, s, now),
          secondsToWait(r.account, s.accountFreeFailures, s, now),
          secondsToWait(r.address, s.addressFreeFailures, s, now),
        );
        const verdict = judgeLoginAttempt(unknown, s, now);
        expect(verdict.outcome === 'throttled' ? verdict.retryAfterSeconds : 0).toBe(wait);
      }),
    ));

  it('Retry-After is never above maxDelayS, and is exact to the second: waiting it is enough, a second less is not', () =>
    fc.assert(
      fc.property(record, anySettings, (r, s) => {
        const verdict = judgeLoginAttempt(r, s, now);
        if (verdict.outcome !== 'throttled') return;
        expect(verdict.retryAfterSeconds).toBeGreaterThan(0);
        expect(verdict.retryAfterSeconds).toBeLessThanOrEqual(s.maxDelayS);
        expect(judgeLoginAttempt(r, s, later(verdict.retryAfterSeconds * 1000)).outcome).toBe('allowed');
        expect(judgeLoginAttempt(r, s, later((verdict.retryAfterSeconds - 1) * 1000)).outcome).toBe('throttled');
      }),
    ));

  it('within its free failures a subject never waits; past them each failure doubles the delay until the cap', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), anySettings, (failures, s) => {
        const free = s.pairFreeFailures;
        if (failures < free) expect(delayAfter(failures, free, s)).toBe(0);
        else if (failures === free) expect(delayAfter(failures, free, s)).toBe(s.baseDelayS);
        else expect(delayAfter(failures, free, s)).toBe(Math.min(s.maxDelayS, 2 * delayAfter(failures - 1, free, s)));
      }),
    ));

  it('more failures never make a subject wait less', () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 5000 }), anySettings, (failures, secondsAgo, s) => {
        const fewer = secondsToWait(failed(failures, secondsAgo), s.pairFreeFailures, s, now);
        expect(secondsToWait(failed(failures + 1, secondsAgo), s.pairFreeFailures, s, now)).toBeGreaterThanOrEqual(fewer);
      }),
    ));

  it('an attacker who always waits Retry-After gets the free guesses, a few doubling delays, then one per maxDelayS', () =>
    fc.assert(
      fc.property(
        anySettings.map((s) => ({ ...s, forgetAfterS: Math.max(s.forgetAfterS, s.maxDelayS + 1) })),
        fc.integer({ min: 1, max: 7 * 86_400 }),
        (s, horizonS) => {
          const end = now.getTime() + horizonS * 1000;
          let pair: FailureCount = null;
          let t = now.getTime();
          let guesses = 0;
          while (guesses < 100_000) {
            const verdict = judgeLoginAttempt({ ...none, pair }, s, new Date(t));
            if (verdict.outcome === 'throttled') t += verdict.retryAfterSeconds * 1000;
            else {
              // the store's counting rule: one more failure, or a new count when the last one is forgotten
              const last: FailureCount = pair;
              const failures: number = !last || t - last.lastFailureAt.getTime() >= s.forgetAfterS * 1000 ? 1 : last.failures + 1;
              pair = { failures, lastFailureAt: new Date(t) };
              guesses++;
            }
            if (t > end) break;
          }
          const doublings = Math.ceil(Math.log2(s.maxDelayS / s.baseDelayS));
          expect(guesses).toBeLessThanOrEqual(s.pairFreeFailures + doublings + Math.floor(horizonS / s.maxDelayS) + 1);
        },
      ),
    ));
});

describe('withoutClaim', () => {
  it('restores the count the attempt was judged by when nothing was counted since, the time of the last failure included', () => {
    expect(withoutClaim({ failures: 4, lastFailureAt: now }, failed(3, 60), true)).toEqual(failed(3, 60));
    expect(withoutClaim({ failures: 1, lastFailureAt: now }, null, true)).toBeNull();
  });

  it('takes one failure off, keeping the later time, when other attempts were counted since', () => {
    expect(withoutClaim({ failures: 5, lastFailureAt: now }, failed(3, 60), false)).toEqual({ failures: 4, lastFailureAt: now });
    expect(withoutClaim({ failures: 1, lastFailureAt: now }, failed(3, 60), false)).toBeNull();
  });

  it("claims given back in any order restore the count, its last failure between the one before and the last claim's; the newest given back first restores exactly", () =>
    fc.assert(
      fc.property(
        count,
        fc.integer({ min: 1, max: 6 }).chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })),
        (initial, releaseOrder) => {
          // the store's row: its count and the version of its last write
          let stored: FailureCount = initial;
          let version = 0;
          const claims = releaseOrder.map((_, i) => {
            const claim = { seen: stored, version: ++version };
            const at = later(i * 1000);
            stored = {
              failures: (stored?.failures ?? 0) + 1,
              lastFailureAt: stored && stored.lastFailureAt > at ? stored.lastFailureAt : at,
            };
            return claim;
          });
          const lastClaimAt = stored!.lastFailureAt;
          for (const [step, i] of releaseOrder.entries()) {
            expect(stored).not.toBeNull();
            stored = withoutClaim(stored!, claims[i].seen, claims[i].version === version);
            version++;
            if (step === 0 && i === claims.length - 1) expect(stored).toEqual(claims[i].seen);
          }
          expect(stored?.failures ?? 0).toBe(initial?.failures ?? 0);
          if (initial) {
            expect(stored!.lastFailureAt.getTime()).toBeGreaterThanOrEqual(initial.lastFailureAt.getTime());
            expect(stored!.lastFailureAt.getTime()).toBeLessThanOrEqual(lastClaimAt.getTime());
          }
        },
      ),
    ));
});
