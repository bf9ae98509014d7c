import { resolve } from 'node:path';
import { z } from 'zod';
import { threadPoolShare } from './bulkhead';
import { TRUSTED_PROXIES_SETTING } from './http/client-address';
import { HTTP_TIMEOUT_SETTINGS, type HttpTimeouts, httpTimeoutsOf } from './http/http-timeouts';
import { RATE_LIMIT_SETTINGS, type RateLimitSettings, rateLimitSettingsOf } from './http/rate-limit-policies';
import { EmailAddress, SingleLineText } from './http/text-schemas';
import { READINESS_SETTINGS, type ReadinessSettings, readinessSettingsOf } from './observability/health-settings';
import { GRPC_CLIENT_SETTINGS, type GrpcClientOptions, grpcClientOptionsOf } from './grpc/grpc-client-options';
import { derivedSecret, embeddedJwtSecret } from './secrets';
import { blankToUndefined, ConfigError, intSetting as int, urlSetting as url } from './settings';

export type MessageBusKind = 'in-process' | 'rabbitmq' | 'nats';
/** The bus namespace of deployments that set none: its broker names are the ones Orderly always used. */
export const DEFAULT_BUS_NAMESPACE = 'orderly';
/** When the money is captured: with the authorization, in one provider round, or once the checkout asks for it. */
export type PaymentCaptureMode = 'immediate' | 'on_confirmation';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export { ConfigError } from './settings';

const EnvSchema = z.object({
  PORT: int(1, 65535, 3000),
  // 127.0.0.1 keeps a laptop's API private; containers set HOST=0.0.0.0.
  HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  // Prometheus scrapes /metrics here, never on the API port; 0: any free port (tests), off: no metrics server
  METRICS_PORT: z.preprocess(blankToUndefined, z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]).default(9464)),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_READ_URL: url(['postgres:', 'postgresql:']),
  DB_POOL_SIZE: int(1, 1000, 20),
  DB_CONSUMER_POOL_SIZE: int(1, 1000, 10),
  DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./.data')),
  EMBEDDED_PG_PORT: int(1, 65535, 54329),
  AMQP_URL: url(['amqp:', 'amqps:']),
  NATS_URL: url(['nats:', 'tls:']),
  MESSAGE_BUS: z.preprocess(blankToUndefined, z.enum(['in-process', 'rabbitmq', 'nats']).optional()),
  BUS_NAMESPACE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z0-9_-]{1,40}$/, 'must be 1 to 40 lowercase letters, digits, - or _')
      // NATS keeps a namespace's dead letters in `<NS>_DLQ` on subjects `<ns>-dlq.>`: such a name would collide with them
      .refine((v) => !/[-_]dlq$/.test(v), 'must not end in -dlq or _dlq')
      .default(DEFAULT_BUS_NAMESPACE),
  ),
  JWT_SECRET: z.preprocess(blankToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  ORDERLY_ADMIN_EMAIL: z.preprocess(blankToUndefined, EmailAddress.optional()),
  ORDERLY_ADMIN_PASSWORD: z.preprocess(blankToUndefined, z.string().min(8, 'must be at least 8 characters').max(128).optional()),
  LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  PAYMENT_PROVIDER_TIMEOUT_MS: int(1, 600_000, 2000),
  PAYMENT_CAPTURE: z.preprocess(blankToUndefined, z.enum(['immediate', 'on_confirmation']).default('immediate')),
  CHECKOUT_TIMEOUT_MS: int(1000, 86_400_000, 60_000),
  PAYMENT_SANDBOX_LATENCY_MS: int(0, 600_000, 0),
  RESERVATION_TTL_MS: int(1000, 7 * 86_400_000, 900_000),
  LOW_STOCK_THRESHOLD: int(0, 1_000_000, 5),
  SMTP_URL: url(['smtp:', 'smtps:']),
  // a mail header: one line, or it could add headers of its own
  MAIL_FROM: z.preprocess(blankToUndefined, SingleLineText(200, { min: 3 }).default('Orderly <orders@orderly.local>')),
  PAYMENT_WEBHOOK_SECRET: z.preprocess(blankToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  CARRIER_WEBHOOK_SECRET: z.preprocess(blankToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  WEBHOOK_TOLERANCE_S: int(1, 3600, 300),
  LOGIN_THROTTLE_PAIR_FREE: int(1, 1000, 5),
  LOGIN_THROTTLE_ACCOUNT_FREE: int(1, 100_000, 20),
  LOGIN_THROTTLE_ADDRESS_FREE: int(1, 1_000_000, 50),
  LOGIN_THROTTLE_BASE_DELAY_S: int(1, 3600, 1),
  LOGIN_THROTTLE_MAX_DELAY_S: int(1, 86_400, 900),
  LOGIN_THROTTLE_FORGET_S: int(60, 30 * 86_400, 86_400),
  LOGIN_THROTTLE_KNOWN_DAYS: int(1, 365, 30),
  REDIS_URL: url(['redis:', 'rediss:']),
  REDIS_KEY_PREFIX: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1 to 64 letters, digits, :, _, . or -')
      .default('orderly:'),
  ),
  REDIS_COMMAND_TIMEOUT_MS: int(10, 60_000, 500),
  ...RATE_LIMIT_SETTINGS,
  TRUSTED_PROXIES: TRUSTED_PROXIES_SETTING,
  ...HTTP_TIMEOUT_SETTINGS,
  ...READINESS_SETTINGS,
  ...GRPC_CLIENT_SETTINGS,
  PASSWORD_HASH_CONCURRENCY: int(1, 256, threadPoolShare()),
  PASSWORD_HASH_QUEUE_MAX: int(0, 100_000, 64),
});

/** The validated settings of one process. Also the DI token: inject `Config` anywhere. */
export class Config {
  readonly port!: number;
  readonly host!: string;
  /** Port of the Prometheus `/metrics` server (on `host`); 0: a free port chosen at start; null: no metrics server. */
  readonly metricsPort!: number | null;
  /**
   * Whether METRICS_PORT was set: that port, or a clear refusal when it is taken. Unset, a taken default (another copy
   * of the app on the machine) gives way to a free port, which the start banner names (see metrics-port.ts).
   */
  readonly metricsPortFixed?: boolean;
  /** Absent: the app runs on an embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl?: string;
  /** One streaming replica of `databaseUrl`, for the reads that tolerate staleness (ReadDatabase); absent: they read the primary. */
  readonly databaseReadUrl?: string;
  readonly dbPoolSize!: number;
  /** Connections of the log consumers' own pool (their batch transactions and leases), beside `dbPoolSize`. */
  readonly consumerPoolSize!: number;
  /** Absolute path. */
  readonly dataDir!: string;
  readonly embeddedPgPort!: number;
  /**
   * Whether EMBEDDED_PG_PORT was set: that port or a clear refusal when it is taken. Unset, a taken default gives way
   * to a free port remembered in DATA_DIR/pg-port (see embedded-postgres-port.ts).
   */
  readonly embeddedPgPortFixed?: boolean;
  readonly messageBus!: MessageBusKind;
  readonly amqpUrl?: string;
  readonly natsUrl?: string;
  /**
   * Keeps apps that share a broker apart: RabbitMQ exchange `<ns>.events` and queues `<ns>.<subscriber>`, NATS stream
   * `<NS>` on subjects `<ns>.>` and consumers `<ns>_<subscriber>__<type>`. The default namespace keeps the queue and
   * consumer names it always had, without the prefix (see busNames in the platform module).
   */
  readonly busNamespace!: string;
  readonly jwtSecret!: string;
  readonly admin?: { email: string; password: string };
  readonly logLevel!: LogLevel;
  readonly paymentProviderTimeoutMs!: number;
  /**
   * The merchant's capture setting: `immediate` captures right after the authorization in the same provider round;
   * `on_confirmation` authorizes first and captures when the checkout asks for it (one more hop per checkout).
   */
  readonly paymentCapture!: PaymentCaptureMode;
  readonly checkoutTimeoutMs!: number;
  /** The sandbox provider answers an authorization this long after recording it (fault-injection tests; 0 in production). */
  readonly paymentSandboxLatencyMs!: number;
  /** Stock held for a checkout that never completes is released after this long (longer than the checkout timeout). */
  readonly reservationTtlMs!: number;
  /** Inventory publishes a low-stock event when a SKU's available quantity falls below this. */
  readonly lowStockThreshold!: number;
  /** Absent: mails go to the dev mailbox (`GET /api/v1/dev/mailbox`). */
  readonly smtpUrl?: string;
  readonly mailFrom!: string;
  /** HMAC-SHA256 keys of the sandbox provider's and sandbox carrier's webhooks (derived from JWT_SECRET when unset). */
  readonly paymentWebhookSecret!: string;
  readonly carrierWebhookSecret!: string;
  /** Webhooks whose signed timestamp is further than this from now are refused. */
  readonly webhookToleranceS!: number;
  /**
   * Failed logins slow further attempts (429 with Retry-After) per account at one client address, per account and per
   * address, each after its free failures, by a delay doubling per failure up to `maxDelayS`; counts are forgotten
   * `forgetAfterS` after the last failure. The account and address counts spare pairs that logged in within
   * `knownSourceDays`.
   */
  readonly loginThrottle!: {
    pairFreeFailures: number;
    accountFreeFailures: number;
    addressFreeFailures: number;
    baseDelayS: number;
    maxDelayS: number;
    forgetAfterS: number;
    knownSourceDays: number;
  };
  /** Absent: rate limits are counted in process (each instance on its own). */
  readonly redisUrl?: string;
  /** Prepended to every key this app writes to Redis, so apps sharing one Redis stay apart. */
  readonly redisKeyPrefix!: string;
  /** How long one Redis command may take before its caller falls back (rate limits: to counting in process). */
  readonly redisCommandTimeoutMs!: number;
  /** Request rate limits per policy (see rate-limit-policies.ts); `enabled: false` (RATE_LIMITS=off) for load tests. */
  readonly rateLimits!: RateLimitSettings;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDR ranges or proxy-addr's range names); none by default. */
  readonly trustedProxies!: readonly string[];
  readonly httpTimeouts!: HttpTimeouts;
  /** What `GET /health/ready` waits for and counts as a stuck log consumer. */
  readonly readiness!: ReadinessSettings;
  /** Calls to other services' facades (services topology): deadline and keepalive. */
  readonly grpcClient!: GrpcClientOptions;
  /**
   * At most `concurrency` argon2 hashes at once (default: a core and a libuv pool thread stay free, see
   * `threadPoolShare`), `maxQueued` waiting; past that the request is answered 503.
   */
  readonly passwordHashing!: { concurrency: number; maxQueued: number };

  constructor(values: ConfigValues) {
    Object.assign(this, values);
  }

  get embedded(): boolean {
    return this.databaseUrl === undefined;
  }
}

export type ConfigValues = Omit<Config, 'embedded'>;

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  }
  const metricsPortFixed = blankToUndefined(env.METRICS_PORT) !== undefined;
  if (metricsPortFixed && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (both are ${e.PORT}): the metrics are served on a port of their own`);
  }
  if (e.DATABASE_READ_URL && !e.DATABASE_URL) {
    throw new ConfigError('DATABASE_READ_URL needs DATABASE_URL: it names a replica of that server');
  }
  const dataDir = resolve(e.DATA_DIR);
  const jwtSecret = e.JWT_SECRET ?? embeddedJwtSecret(e.DATABASE_URL, dataDir);
  return new Config({
    port: e.PORT,
    host: e.HOST,
    metricsPort: e.METRICS_PORT === 'off' ? null : e.METRICS_PORT,
    metricsPortFixed,
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    dbPoolSize: e.DB_POOL_SIZE,
    consumerPoolSize: e.DB_CONSUMER_POOL_SIZE,
    dataDir,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    embeddedPgPortFixed: blankToUndefined(env.EMBEDDED_PG_PORT) !== undefined,
    messageBus: chooseMessageBus(e.MESSAGE_BUS, e.AMQP_URL, e.NATS_URL),
    amqpUrl: e.AMQP_URL,
    natsUrl: e.NATS_URL,
    busNamespace: e.BUS_NAMESPACE,
    jwtSecret,
    admin: adminAccount(e.ORDERLY_ADMIN_EMAIL, e.ORDERLY_ADMIN_PASSWORD),
    logLevel: e.LOG_LEVEL,
    paymentProviderTimeoutMs: e.PAYMENT_PROVIDER_TIMEOUT_MS,
    paymentCapture: e.PAYMENT_CAPTURE,
    checkoutTimeoutMs: e.CHECKOUT_TIMEOUT_MS,
    paymentSandboxLatencyMs: e.PAYMENT_SANDBOX_LATENCY_MS,
    reservationTtlMs: e.RESERVATION_TTL_MS,
    lowStockThreshold: e.LOW_STOCK_THRESHOLD,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    paymentWebhookSecret: e.PAYMENT_WEBHOOK_SECRET ?? derivedSecret(jwtSecret, 'payment-webhooks'),
    carrierWebhookSecret: e.CARRIER_WEBHOOK_SECRET ?? derivedSecret(jwtSecret, 'carrier-webhooks'),
    webhookToleranceS: e.WEBHOOK_TOLERANCE_S,
    loginThrottle: {
      pairFreeFailures: e.LOGIN_THROTTLE_PAIR_FREE,
      accountFreeFailures: e.LOGIN_THROTTLE_ACCOUNT_FREE,
      addressFreeFailures: e.LOGIN_THROTTLE_ADDRESS_FREE,
      baseDelayS: e.LOGIN_THROTTLE_BASE_DELAY_S,
      maxDelayS: e.LOGIN_THROTTLE_MAX_DELAY_S,
      forgetAfterS: e.LOGIN_THROTTLE_FORGET_S,
      knownSourceDays: e.LOGIN_THROTTLE_KNOWN_DAYS,
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    rateLimits: rateLimitSettingsOf(e),
    trustedProxies: e.TRUSTED_PROXIES,
    httpTimeouts: httpTimeoutsOf(e),
    readiness: readinessSettingsOf(e),
    grpcClient: grpcClientOptionsOf(e),
    passwordHashing: { concurrency: e.PASSWORD_HASH_CONCURRENCY, maxQueued: e.PASSWORD_HASH_QUEUE_MAX },
  });
};

const chooseMessageBus = (forced: MessageBusKind | undefined, amqpUrl?: string, natsUrl?: string): MessageBusKind => {
  if (forced === 'rabbitmq' && !amqpUrl) throw new ConfigError('MESSAGE_BUS=rabbitmq needs AMQP_URL');
  if (forced === 'nats' && !natsUrl) throw new ConfigError('MESSAGE_BUS=nats needs NATS_URL');
  if (forced) return forced;
  if (amqpUrl) return 'rabbitmq';
  if (natsUrl) return 'nats';
  return 'in-process';
};

const adminAccount = (email?: string, password?: string) => {
  if (!email && !password) return undefined;
  if (!email) throw new ConfigError('ORDERLY_ADMIN_PASSWORD is set but ORDERLY_ADMIN_EMAIL is missing');
  if (!password) throw new ConfigError('ORDERLY_ADMIN_EMAIL is set but ORDERLY_ADMIN_PASSWORD is missing');
  return { email, password };
};
