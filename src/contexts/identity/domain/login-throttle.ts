import { RateLimited } from '../../../shared-kernel/errors';

/**
 * How failed logins slow the next attempts. Failures are counted for three subjects: the account at one client
 * address (the pair), the account, and the address. A subject may fail `…FreeFailures` times; after that each
 * attempt waits `baseDelayS` from the subject's last failure, doubled by every further failure, at most `maxDelayS`.
 * A subject's failures are forgotten `forgetAfterS` after its last one. A pair that logged in successfully within
 * `knownSourceDays` is a known source: only its own pair count applies to it.
 */
export type ThrottleSettings = {
  pairFreeFailures: number;
  accountFreeFailures: number;
  addressFreeFailures: number;
  baseDelayS: number;
  maxDelayS: number;
  forgetAfterS: number;
  knownSourceDays: number;
};

/** A subject's failures as stored; null when it has none on record. */
export type FailureCount = { failures: number; lastFailureAt: Date } | null;

/** What is known before the password is checked. `knownSince`: the pair's last successful login, if any. */
export type LoginAttemptRecord = { pair: FailureCount; account: FailureCount; address: FailureCount; knownSince: Date | null };

export type LoginAttemptVerdict = { outcome: 'allowed'; knownSource: boolean } | { outcome: 'throttled'; retryAfterSeconds: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Same answer for a known and an unknown email (the counters are kept per email either way), so it does not
 * reveal which accounts exist.
 */
export class TooManyLoginAttempts extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super('auth.too_many_attempts', 'too many failed logins; wait before trying again', { retryAfterSeconds });
  }
}

/** Whether a stored count is too old to matter: the next failure starts a new count at 1. */
export const isForgotten = (count: FailureCount, settings: ThrottleSettings, now: Date): boolean =>
  !count || now.getTime() - count.lastFailureAt.getTime() >= settings.forgetAfterS * 1000;

/** Seconds to wait after the last failure of a subject that failed `failures` times: 0 while within its free failures. */
export const delayAfter = (failures: number, freeFailures: number, settings: ThrottleSettings): number =>
  failures < freeFailures ? 0 : Math.min(settings.maxDelayS, settings.baseDelayS * 2 ** (failures - freeFailures));

/** Whole seconds until the subject may try again (its delay, or until its failures are forgotten); 0 when it may now. */
export const secondsToWait = (count: FailureCount, freeFailures: number, settings: ThrottleSettings, now: Date): number => {
  if (!count || isForgotten(count, settings, now)) return 0;
  const delayS = Math.min(delayAfter(count.failures, freeFailures, settings), settings.forgetAfterS);
  const remainingMs = count.lastFailureAt.getTime() + delayS * 1000 - now.getTime();
  return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
};

/** A pair that logged in successfully within `knownSourceDays`: its owner has been here before. */
export const isKnownSource = (knownSince: Date | null, settings: ThrottleSettings, now: Date): boolean =>
  knownSince !== null && now.getTime() - knownSince.getTime() < settings.knownSourceDays * DAY_MS;

/**
 * Decided before the password is checked, so throttling never tells a right guess from a wrong one. The pair's
 * count applies to everyone: an attacker guessing at one account from one address is slowed whoever they are. The
 * account's count (guesses from many addresses) and the address's count (one address trying many accounts) apply
 * only to sources that are not known: others' failures never hold back an owner at an address they logged in from
 * recently, so a successful login from there is never refused because of them.
 */
export const judgeLoginAttempt = (record: LoginAttemptRecord, settings: ThrottleSettings, now: Date): LoginAttemptVerdict => {
  const knownSource = isKnownSource(record.knownSince, settings, now);
  const pairWait = secondsToWait(record.pair, settings.pairFreeFailures, settings, now);
  const othersWait = Math.max(
    secondsToWait(record.account, settings.accountFreeFailures, settings, now),
    secondsToWait(record.address, settings.addressFreeFailures, settings, now),
  );
  // a known source whose pair must wait past the end of its known window is judged as unknown by then: its
  // Retry-After covers the others' waits too, so waiting it is always enough
  const knownWhenRetrying = knownSource && isKnownSource(record.knownSince, settings, new Date(now.getTime() + pairWait * 1000));
  const wait = knownWhenRetrying ? pairWait : Math.max(pairWait, othersWait);
  return wait > 0 ? { outcome: 'throttled', retryAfterSeconds: wait } : { outcome: 'allowed', knownSource };
};

/**
 * A subject's count once an attempt's claim on it is given back (null: no failures left). When nothing was counted
 * on the subject since the claim (`unchangedSinceClaim`), the count is again exactly the one the attempt was judged
 * by, the time of the last failure included: giving back never restarts a delay or postpones forgetting. Otherwise
 * later attempts counted too: one failure fewer, and the last failure stays the later one's (a wait may end a little
 * later than if the claim had never been made, never earlier).
 */
export const withoutClaim = (current: NonNullable<FailureCount>, seen: FailureCount, unchangedSinceClaim: boolean): FailureCount => {
  if (unchangedSinceClaim) return seen;
  return current.failures > 1 ? { failures: current.failures - 1, lastFailureAt: current.lastFailureAt } : null;
};
