import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const secret = 's'.repeat(32);
const dataDir = () => mkdtempSync(join(tmpdir(), 'orderly-config-'));

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig({ JWT_SECRET: secret, DATA_DIR: dataDir() });
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dbPoolSize: 20,
      embeddedPgPort: 54329,
      messageBus: 'in-process',
      busNamespace: 'orderly',
      logLevel: 'info',
      paymentProviderTimeoutMs: 2000,
      paymentCapture: 'immediate',
      checkoutTimeoutMs: 60000,
      paymentSandboxLatencyMs: 0,
    });
    expect(config.embedded).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CHECKOUT_TIMEOUT_MS: '-1' }, 'CHECKOUT_TIMEOUT_MS'],
    [{ PAYMENT_SANDBOX_LATENCY_MS: '-5' }, 'PAYMENT_SANDBOX_LATENCY_MS'],
    [{ PAYMENT_CAPTURE: 'later' }, 'PAYMENT_CAPTURE'],
    [{ ORDERLY_ADMIN_EMAIL: 'not-an-email', ORDERLY_ADMIN_PASSWORD: 'password1' }, 'ORDERLY_ADMIN_EMAIL'],
    [{ ORDERLY_ADMIN_EMAIL: 'root@example.com' }, 'ORDERLY_ADMIN_PASSWORD'],
    [{ MESSAGE_BUS: 'nats' }, 'NATS_URL'],
    [{ BUS_NAMESPACE: 'Staging' }, 'BUS_NAMESPACE'],
    [{ BUS_NAMESPACE: 'eu.staging' }, 'BUS_NAMESPACE'],
    [{ BUS_NAMESPACE: 'n'.repeat(41) }, 'BUS_NAMESPACE'],
    [{ BUS_NAMESPACE: 'staging-dlq' }, 'BUS_NAMESPACE'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ RATE_LIMITS: 'maybe' }, 'RATE_LIMITS'],
    [{ RATE_LIMIT_REGISTER: '10 per minute' }, 'RATE_LIMIT_REGISTER'],
    [{ RATE_LIMIT_SEARCH: '0/1m' }, 'RATE_LIMIT_SEARCH'],
    [{ TRUSTED_PROXIES: '10.0.0.1,proxy.internal' }, 'TRUSTED_PROXIES'],
    [{ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES'],
    [{ HTTP_HEADERS_TIMEOUT_MS: '0' }, 'HTTP_HEADERS_TIMEOUT_MS'],
    [{ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }, 'HTTP_HEADERS_TIMEOUT_MS'],
    [{ PASSWORD_HASH_CONCURRENCY: '0' }, 'PASSWORD_HASH_CONCURRENCY'],
    [{ PASSWORD_HASH_QUEUE_MAX: '-1' }, 'PASSWORD_HASH_QUEUE_MAX'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig({ JWT_SECRET: secret, DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: secret, DATA_DIR: dataDir(), ...env })).toThrow(variable);
  });

  it('reads the abuse limits: rate limits, trusted proxies, HTTP timeouts and password hashing', () => {
    const base = { JWT_SECRET: secret, DATA_DIR: dataDir() };
    const defaults = loadConfig(base);
    expect(defaults.rateLimits.enabled).toBe(true);
    expect(defaults.rateLimits.policies.register).toEqual({ points: 10, durationS: 600 });
    expect(defaults.trustedProxies).toEqual([]);
    expect(defaults.httpTimeouts).toEqual({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 72_000 });
    expect(defaults.passwordHashing.concurrency).toBeGreaterThanOrEqual(1);
    expect(defaults.redisUrl).toBeUndefined();
    expect(defaults.redisKeyPrefix).toBe('orderly:');
    expect(defaults.redisCommandTimeoutMs).toBe(500);

    const set = loadConfig({
      ...base,
      RATE_LIMITS: 'off',
      RATE_LIMIT_CHECKOUT: '3/30s',
      TRUSTED_PROXIES: ' 10.0.0.1, 192.0.2.0/24 ,loopback,fd00::/8',
      REDIS_URL: 'rediss://cache.internal:6380',
      REDIS_COMMAND_TIMEOUT_MS: '2000',
    });
    expect(set.rateLimits.enabled).toBe(false);
    expect(set.rateLimits.policies.checkout).toEqual({ points: 3, durationS: 30 });
    expect(set.trustedProxies).toEqual(['10.0.0.1', '192.0.2.0/24', 'loopback', 'fd00::/8']);
    expect(set.redisUrl).toBe('rediss://cache.internal:6380');
    expect(set.redisCommandTimeoutMs).toBe(2000);
  });

  it('tells whether METRICS_PORT was set, and refuses it on the HTTP port', () => {
    const base = { JWT_SECRET: secret, DATA_DIR: dataDir() };
    expect(loadConfig(base)).toMatchObject({ metricsPort: 9464, metricsPortFixed: false });
    expect(loadConfig({ ...base, METRICS_PORT: ' ' })).toMatchObject({ metricsPort: 9464, metricsPortFixed: false });
    expect(loadConfig({ ...base, METRICS_PORT: '9100' })).toMatchObject({ metricsPort: 9100, metricsPortFixed: true });
    expect(loadConfig({ ...base, METRICS_PORT: 'off' })).toMatchObject({ metricsPort: null, metricsPortFixed: true });
    expect(() => loadConfig({ ...base, PORT: '8080', METRICS_PORT: '8080' })).toThrow(
      new ConfigError('METRICS_PORT must differ from PORT (both are 8080): the metrics are served on a port of their own'),
    );
    // unset, the default gives way at start instead (metrics-port.ts)
    expect(loadConfig({ ...base, PORT: '9464' })).toMatchObject({ port: 9464, metricsPort: 9464, metricsPortFixed: false });
  });

  it('chooses the bus from the URLs unless forced', () => {
    const base = { JWT_SECRET: secret, DATA_DIR: dataDir() };
    expect(loadConfig({ ...base, AMQP_URL: 'amqp://127.0.0.1' }).messageBus).toBe('rabbitmq');
    expect(loadConfig({ ...base, NATS_URL: 'nats://127.0.0.1:4222' }).messageBus).toBe('nats');
    expect(loadConfig({ ...base, AMQP_URL: 'amqp://127.0.0.1', MESSAGE_BUS: 'in-process' }).messageBus).toBe('in-process');
  });

  it('takes a bus namespace of lowercase letters, digits, - and _', () => {
    const base = { JWT_SECRET: secret, DATA_DIR: dataDir() };
    expect(loadConfig({ ...base, BUS_NAMESPACE: 'eu-staging_2' }).busNamespace).toBe('eu-staging_2');
    expect(loadConfig({ ...base, BUS_NAMESPACE: 'n'.repeat(40) }).busNamespace).toBe('n'.repeat(40));
    expect(loadConfig({ ...base, BUS_NAMESPACE: ' ' }).busNamespace).toBe('orderly');
  });

  it('requires JWT_SECRET with a real database', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://127.0.0.1/orderly' })).toThrow(/JWT_SECRET/);
  });

  it('generates the embedded JWT secret once, private to the owner', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(first);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first);
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });
});
