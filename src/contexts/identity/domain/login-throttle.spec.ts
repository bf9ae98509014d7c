import { describe, expect, it } from 'vitest';
import { judgeLoginAttempt } from './login-throttle';

const limits = { windowS: 900, accountMax: 5, addressMax: 50 };
const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('judgeLoginAttempt', () => {
  it('allows an attempt without failures on record', () =>
    expect(judgeLoginAttempt({ account: null, address: null }, limits, now)).toEqual({ outcome: 'allowed' }));

  it('allows attempts until the account reached its limit, then refuses until the window ends', () => {
    const window = (failures: number) => ({ account: { failures, windowStartedAt: ago(100) }, address: null });
    expect(judgeLoginAttempt(window(4), limits, now)).toEqual({ outcome: 'allowed' });
    expect(judgeLoginAttempt(window(5), limits, now)).toEqual({ outcome: 'throttled', retryAfterSeconds: 800 });
  });

  it('refuses attempts from an address that reached its limit', () =>
    expect(judgeLoginAttempt({ account: null, address: { failures: 50, windowStartedAt: ago(899.5) } }, limits, now)).toEqual({
      outcome: 'throttled',
      retryAfterSeconds: 1,
    }));

  it('allows again once the window has ended', () =>
    expect(judgeLoginAttempt({ account: { failures: 99, windowStartedAt: ago(900) }, address: null }, limits, now)).toEqual({
      outcome: 'allowed',
    }));

  it('waits for the later of two full windows', () =>
    expect(
      judgeLoginAttempt(
        { account: { failures: 5, windowStartedAt: ago(800) }, address: { failures: 50, windowStartedAt: ago(300) } },
        limits,
        now,
      ),
    ).toEqual({ outcome: 'throttled', retryAfterSeconds: 600 }));
});
