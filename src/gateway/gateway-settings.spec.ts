import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/config';
import { loadGatewaySettings } from './gateway-settings';

const SECRET = 'a-gateway-secret-of-at-least-32-characters';

describe('gateway settings', () => {
  it('has defaults for everything but the JWT secret, and no service until one is named', () => {
    const settings = loadGatewaySettings({ JWT_SECRET: SECRET });
    expect(settings.upstreams).toEqual({});
    expect(settings.timeouts).toEqual({ defaultMs: 10_000, waitMarginMs: 5_000 });
    expect(settings.breaker).toEqual({ failures: 5, cooldownMs: 10_000 });
    expect(settings.shared).toMatchObject({ port: 3000, host: '127.0.0.1', jwtSecret: SECRET, redisKeyPrefix: 'orderly:gateway:' });
    expect(settings.shared.rateLimits.enabled).toBe(true);
  });

  it("reads each service's base URL, a gateway's own settings and the settings shared with the services", () => {
    const settings = loadGatewaySettings({
      JWT_SECRET: SECRET,
      UPSTREAM_CATALOG: 'http://127.0.0.1:3101/',
      UPSTREAM_ORDERING: 'https://ordering.internal:8443',
      UPSTREAM_REVIEWS: ' ',
      GATEWAY_TIMEOUT_MS: '2500',
      GATEWAY_BREAKER_FAILURES: '2',
      REDIS_KEY_PREFIX: 'shop:',
      TRUSTED_PROXIES: '10.0.0.0/8',
      RATE_LIMIT_LOGIN: '5/1m',
    });
    expect(settings.upstreams).toEqual({ catalog: 'http://127.0.0.1:3101', ordering: 'https://ordering.internal:8443' });
    expect(settings.timeouts.defaultMs).toBe(2500);
    expect(settings.breaker.failures).toBe(2);
    expect(settings.shared.redisKeyPrefix).toBe('shop:gateway:');
    expect(settings.shared.trustedProxies).toEqual(['10.0.0.0/8']);
    expect(settings.shared.rateLimits.policies.login).toEqual({ points: 5, durationS: 60 });
  });

  it('refuses what it cannot use, naming the variable', () => {
    const refused = (env: Record<string, string>) => () => loadGatewaySettings({ JWT_SECRET: SECRET, ...env });
    expect(() => loadGatewaySettings({})).toThrow(/JWT_SECRET/);
    expect(refused({ JWT_SECRET: 'too short' })).toThrow(/JWT_SECRET/);
    expect(refused({ UPSTREAM_CATALOG: 'ftp://catalog' })).toThrow(/UPSTREAM_CATALOG: must be an http or https URL/);
    expect(refused({ UPSTREAM_CART: 'http://cart:3000/api' })).toThrow(/UPSTREAM_CART: must name scheme, host and port only/);
    expect(refused({ GATEWAY_TIMEOUT_MS: '10' })).toThrow(/GATEWAY_TIMEOUT_MS/);
    expect(refused({ GATEWAY_BREAKER_COOLDOWN_MS: 'soon' })).toThrow(ConfigError);
    expect(refused({ TRUSTED_PROXIES: 'the proxy' })).toThrow(/TRUSTED_PROXIES/);
  });
});
