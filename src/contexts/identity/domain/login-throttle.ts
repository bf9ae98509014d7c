import { DomainError } from '../../../shared-kernel/errors';

/** Failures allowed per subject within a fixed window that starts at the subject's first failure. */
export type ThrottleLimits = { windowS: number; accountMax: number; addressMax: number };

/** A subject's failures in its current window; null when it has none on record. */
export type FailureWindow = { failures: number; windowStartedAt: Date } | null;

export type LoginAttemptVerdict = { outcome: 'allowed' } | { outcome: 'throttled'; retryAfterSeconds: number };

/**
 * Same answer for a known and an unknown email (the counters are kept per email either way), so it does not
 * reveal which accounts exist.
 */
export class TooManyLoginAttempts extends DomainError {
  readonly kind = 'rate_limited';
  readonly code = 'auth.too_many_attempts';
  constructor(retryAfterSeconds: number) {
    super('too many failed logins; wait before trying again', { retryAfterSeconds });
  }
}

/** Seconds until the window ends, when it is still open and full; 0 otherwise. */
const secondsBlocked = (window: FailureWindow, max: number, windowS: number, now: Date): number => {
  if (!window || window.failures < max) return 0;
  const endsMs = window.windowStartedAt.getTime() + windowS * 1000;
  return endsMs > now.getTime() ? Math.ceil((endsMs - now.getTime()) / 1000) : 0;
};

/**
 * Decided before the password is checked: an attempt is refused while the email's or the client address's
 * failures reached their limit in the current window, whatever the password (else throttling would still tell
 * an attacker when a guess is right). Successful logins are never counted, so many customers behind one address
 * keep signing in as long as that address does not keep failing.
 */
export const judgeLoginAttempt = (
  counts: { account: FailureWindow; address: FailureWindow },
  limits: ThrottleLimits,
  now: Date,
): LoginAttemptVerdict => {
  const wait = Math.max(
    secondsBlocked(counts.account, limits.accountMax, limits.windowS, now),
    secondsBlocked(counts.address, limits.addressMax, limits.windowS, now),
  );
  return wait > 0 ? { outcome: 'throttled', retryAfterSeconds: wait } : { outcome: 'allowed' };
};
