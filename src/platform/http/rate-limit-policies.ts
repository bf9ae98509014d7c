/**
 * The request rate limits of the API: which exist, their settings and defaults. Each is a number of requests per
 * fixed window, counted per client address for anonymous callers and per account or API key for authenticated ones.
 */
export const RATE_LIMIT_POLICIES = {
  /** POST /auth/register: each costs an argon2 hash and writes an account */
  register: { setting: 'RATE_LIMIT_REGISTER', default: '10/10m' },
  /** POST /auth/login: each costs an argon2 verification (failed logins are throttled on their own as well) */
  login: { setting: 'RATE_LIMIT_LOGIN', default: '30/1m' },
  /** POST /auth/refresh: rotates a refresh token */
  refresh: { setting: 'RATE_LIMIT_REFRESH', default: '60/1m' },
  /** a guest's first cart write, which creates a guest cart */
  'guest-cart': { setting: 'RATE_LIMIT_GUEST_CART', default: '30/10m' },
  /** every other cart write (guests per address, customers per account) */
  'cart-write': { setting: 'RATE_LIMIT_CART_WRITE', default: '120/1m' },
  /** POST /checkout: places an order and reserves stock */
  checkout: { setting: 'RATE_LIMIT_CHECKOUT', default: '10/10m' },
  /** GET /search: full-text search with facets */
  search: { setting: 'RATE_LIMIT_SEARCH', default: '120/1m' },
  /** GET /search/suggest: the storefront calls it as the customer types */
  suggest: { setting: 'RATE_LIMIT_SUGGEST', default: '600/1m' },
  /** every other write by an anonymous caller (a public POST, PUT, PATCH or DELETE without a policy of its own) */
  'anonymous-write': { setting: 'RATE_LIMIT_ANONYMOUS_WRITE', default: '60/1m' },
} as const;

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
