import { z } from 'zod';
import { blankToUndefined } from '../settings';

/**
 * Whose requests a policy counts together:
 * - `address`: the client's network (see `addressSubject`), whoever sends the request: credentials never buy a
 *   fresh budget, nor does every new account;
 * - `caller`: the account or API key when the request is authenticated, else the client's network;
 * - `address-and-email`: the client's network and the email the body names, so a flood against one account from one
 *   address is limited while others behind that address (an office NAT) still log in.
 */
export type RateLimitSubject = 'address' | 'caller' | 'address-and-email';

/** The request rate limits of the API: which exist, whom each counts, their settings and defaults. */
export const RATE_LIMIT_POLICIES = {
  /** POST /auth/register: each costs an argon2 hash and writes an account */
  register: { countedPer: 'address', setting: 'RATE_LIMIT_REGISTER', default: '10/10m' },
  /** POST /auth/login: each costs an argon2 verification (failed logins are throttled per address as well) */
  login: { countedPer: 'address-and-email', setting: 'RATE_LIMIT_LOGIN', default: '30/1m' },
  /** POST /auth/refresh: rotates a refresh token */
  refresh: { countedPer: 'address', setting: 'RATE_LIMIT_REFRESH', default: '60/1m' },
  /** a guest's first cart write, which creates a guest cart */
  'guest-cart': { countedPer: 'address', setting: 'RATE_LIMIT_GUEST_CART', default: '30/10m' },
  /** every other cart write (guests per address, customers per account) */
  'cart-write': { countedPer: 'caller', setting: 'RATE_LIMIT_CART_WRITE', default: '120/1m' },
  /** POST /checkout: places an order and reserves stock */
  checkout: { countedPer: 'caller', setting: 'RATE_LIMIT_CHECKOUT', default: '10/10m' },
  /** GET /search: full-text search with facets */
  search: { countedPer: 'caller', setting: 'RATE_LIMIT_SEARCH', default: '120/1m' },
  /** GET /search/suggest: the storefront calls it as the customer types */
  suggest: { countedPer: 'caller', setting: 'RATE_LIMIT_SUGGEST', default: '600/1m' },
  /** every other write by an anonymous caller (a public POST, PUT, PATCH or DELETE without a policy of its own) */
  'anonymous-write': { countedPer: 'address', setting: 'RATE_LIMIT_ANONYMOUS_WRITE', default: '60/1m' },
} as const satisfies Record<string, { countedPer: RateLimitSubject; setting: string; default: string }>;

export type RateLimitPolicy = keyof typeof RATE_LIMIT_POLICIES;

/** The methods of writes: an anonymous caller's count against `anonymous-write` unless their route has a policy. */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const RATE_LIMIT_POLICY_NAMES = Object.keys(RATE_LIMIT_POLICIES) as RateLimitPolicy[];

/** At most `points` requests per window of `durationS` seconds. */
export type RateLimitRule = { points: number; durationS: number };

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;
const RULE = /^(\d{1,7})\/(\d{0,5})(s|m|h)$/;
const MAX_WINDOW_S = 86_400;

/** `"10/1m"` → 10 requests per 60 s; `"5/m"` means `"5/1m"`. Undefined when the text is not such a rule. */
export const parseRateLimitRule = (text: string): RateLimitRule | undefined => {
  const match = RULE.exec(text.trim());
  if (!match) return undefined;
  const points = Number(match[1]);
  const durationS = Number(match[2] || '1') * UNIT_SECONDS[match[3] as keyof typeof UNIT_SECONDS];
  if (points < 1 || durationS < 1 || durationS > MAX_WINDOW_S) return undefined;
  return { points, durationS };
};

export const RATE_LIMIT_RULE_FORMAT = 'requests/window, e.g. 10/1m (a window of 1s to 24h in s, m or h)';

const rateLimitRule = (fallback: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .default(fallback)
      .transform(
        (text, ctx) =>
          parseRateLimitRule(text) ?? (ctx.addIssue({ code: 'custom', message: `must be ${RATE_LIMIT_RULE_FORMAT}` }), z.NEVER),
      ),
  );

type RuleSetting = (typeof RATE_LIMIT_POLICIES)[RateLimitPolicy]['setting'];

/** The environment variables of the rate limits (part of the config's schema): `RATE_LIMITS` and one rule per policy. */
export const RATE_LIMIT_SETTINGS = {
  RATE_LIMITS: z.preprocess(blankToUndefined, z.enum(['on', 'off']).default('on')),
  ...(Object.fromEntries(
    RATE_LIMIT_POLICY_NAMES.map((policy) => [RATE_LIMIT_POLICIES[policy].setting, rateLimitRule(RATE_LIMIT_POLICIES[policy].default)]),
  ) as Record<RuleSetting, ReturnType<typeof rateLimitRule>>),
};

/** Request rate limits per policy; `enabled: false` (RATE_LIMITS=off) for load tests. */
export type RateLimitSettings = { enabled: boolean; policies: Readonly<Record<RateLimitPolicy, RateLimitRule>> };

export const rateLimitSettingsOf = (env: { RATE_LIMITS: 'on' | 'off' } & Record<RuleSetting, RateLimitRule>): RateLimitSettings => ({
  enabled: env.RATE_LIMITS === 'on',
  policies: Object.fromEntries(RATE_LIMIT_POLICY_NAMES.map((policy) => [policy, env[RATE_LIMIT_POLICIES[policy].setting]])) as Record<
    RateLimitPolicy,
    RateLimitRule
  >,
});
