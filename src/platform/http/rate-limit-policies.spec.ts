import { describe, expect, it } from 'vitest';
import { parseRateLimitRule, RATE_LIMIT_POLICIES, RATE_LIMIT_POLICY_NAMES } from './rate-limit-policies';

describe('parseRateLimitRule', () => {
  it.each([
    ['10/1m', { points: 10, durationS: 60 }],
    ['5/m', { points: 5, durationS: 60 }],
    ['60/30s', { points: 60, durationS: 30 }],
    ['1000/24h', { points: 1000, durationS: 86_400 }],
    [' 3/10m ', { points: 3, durationS: 600 }],
  ])('reads %j', (text, rule) => expect(parseRateLimitRule(text)).toEqual(rule));

  it.each(['', '10', '10/', '10/1d', '0/1m', '10/0s', '-1/1m', '1.5/1m', '10/25h', 'ten/1m', '10 per minute'])('refuses %j', (text) =>
    expect(parseRateLimitRule(text)).toBeUndefined(),
  );

  it('has a valid default for every policy, each under a setting of its own', () => {
    for (const policy of RATE_LIMIT_POLICY_NAMES) expect(parseRateLimitRule(RATE_LIMIT_POLICIES[policy].default), policy).toBeDefined();
    const settings = RATE_LIMIT_POLICY_NAMES.map((policy) => RATE_LIMIT_POLICIES[policy].setting);
    expect(new Set(settings).size).toBe(settings.length);
  });

  it('counts credentials-independent policies per address, shopping per caller and logins per address and email', () => {
    expect(Object.fromEntries(RATE_LIMIT_POLICY_NAMES.map((policy) => [policy, RATE_LIMIT_POLICIES[policy].countedPer]))).toEqual({
      register: 'address',
      refresh: 'address',
      'guest-cart': 'address',
      'anonymous-write': 'address',
      login: 'address-and-email',
      search: 'caller',
      suggest: 'caller',
      'cart-write': 'caller',
      checkout: 'caller',
    });
  });
});
