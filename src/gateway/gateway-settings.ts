import { z } from 'zod';
import { CONTEXTS, type ContextName, upstreamVariable } from '../app/services/topology';
import { Config, ConfigError, loadConfig } from '../platform/config';
import { HTTP_TIMEOUT_SETTINGS } from '../platform/http/http-timeouts';
import { RATE_LIMIT_SETTINGS } from '../platform/http/rate-limit-policies';
import { blankToUndefined, intSetting as int } from '../platform/settings';

/**
 * The settings the gateway shares with the services, read by the services' own schema (platform/config.ts), so each
 * means the same on both sides: the JWT_SECRET tokens are verified with, the rate limits, the trusted proxies.
 */
const SHARED_SETTINGS = [
  'PORT',
  'HOST',
  'METRICS_PORT',
  'LOG_LEVEL',
  'JWT_SECRET',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'REDIS_COMMAND_TIMEOUT_MS',
  'TRUSTED_PROXIES',
  ...Object.keys(HTTP_TIMEOUT_SETTINGS),
  ...Object.keys(RATE_LIMIT_SETTINGS),
];

/** A service's base URL: http or https, scheme, host and port only (the gateway forwards the path as requested). */
const upstreamUrl = z.preprocess(
  blankToUndefined,
  z
    .string()
    .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), { message: 'must be an http or https URL' })
    .refine((v) => !URL.canParse(v) || (new URL(v).pathname === '/' && !new URL(v).search), {
      message: 'must name scheme, host and port only (no path or query)',
    })
    .transform((v) => new URL(v).origin)
    .optional(),
);

const GatewayEnvSchema = z.object({
  // the platform's schema would make up a secret without DATABASE_URL: the gateway must verify the services' tokens
  JWT_SECRET: z.preprocess(blankToUndefined, z.string({ message: 'is required (the same secret as the services)' })),
  GATEWAY_TIMEOUT_MS: int(100, 600_000, 10_000),
  GATEWAY_WAIT_MARGIN_MS: int(0, 60_000, 5_000),
  GATEWAY_BREAKER_FAILURES: int(1, 1000, 5),
  GATEWAY_BREAKER_COOLDOWN_MS: int(100, 3_600_000, 10_000),
  ...(Object.fromEntries(CONTEXTS.map((context) => [upstreamVariable(context), upstreamUrl])) as Record<string, typeof upstreamUrl>),
});

/** The validated settings of one gateway process. */
export type GatewaySettings = {
  /**
   * What the gateway shares with the services (see SHARED_SETTINGS): port, host, metrics port, log level, JWT secret,
   * Redis, rate limits, trusted proxies and HTTP timeouts. Its Redis key prefix ends in `gateway:`, so the gateways'
   * counters never mix with those of a service that counts too.
   */
  shared: Config;
  /** The base URL (origin) of the service of each context; a context without one answers 503. */
  upstreams: Readonly<Partial<Record<ContextName, string>>>;
  timeouts: {
    /** how long a service may take to start answering */
    defaultMs: number;
    /** added to the wait a `Prefer: wait=N` request asks for, on the routes that honour it */
    waitMarginMs: number;
  };
  /** each service's circuit opens after `failures` failures in a row and lets a trial request through after `cooldownMs` */
  breaker: { failures: number; cooldownMs: number };
};

/** The Redis keys of the gateways, below the deployment's prefix. */
const GATEWAY_KEY_SUFFIX = 'gateway:';

/** Reads and validates the gateway's environment; throws ConfigError naming the first bad variable. */
export const loadGatewaySettings = (env: Record<string, string | undefined> = process.env): GatewaySettings => {
  const parsed = GatewayEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const shared = loadConfig(Object.fromEntries(SHARED_SETTINGS.map((name) => [name, env[name]])));
  return {
    shared: new Config({ ...shared, redisKeyPrefix: `${shared.redisKeyPrefix}${GATEWAY_KEY_SUFFIX}` }),
    upstreams: Object.fromEntries(
      CONTEXTS.flatMap((context) => {
        const url = (e as Record<string, unknown>)[upstreamVariable(context)] as string | undefined;
        return url ? [[context, url]] : [];
      }),
    ),
    timeouts: { defaultMs: e.GATEWAY_TIMEOUT_MS, waitMarginMs: e.GATEWAY_WAIT_MARGIN_MS },
    breaker: { failures: e.GATEWAY_BREAKER_FAILURES, cooldownMs: e.GATEWAY_BREAKER_COOLDOWN_MS },
  };
};
