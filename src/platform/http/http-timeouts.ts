import { intSetting } from '../settings';

/**
 * The environment variables of the HTTP timeouts (part of the config's schema). The keep-alive timeout is longer than
 * the idle timeout of the proxies in front (nginx and most load balancers: 60 s), which would otherwise reuse a
 * connection this server is closing and answer 502.
 */
export const HTTP_TIMEOUT_SETTINGS = {
  HTTP_HEADERS_TIMEOUT_MS: intSetting(100, 600_000, 10_000),
  HTTP_REQUEST_TIMEOUT_MS: intSetting(100, 3_600_000, 30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: intSetting(100, 600_000, 72_000),
};

/** Slow clients: all headers within `headersMs`, the whole request within `requestMs`; idle keep-alive connections close after `keepAliveMs`. */
export type HttpTimeouts = { headersMs: number; requestMs: number; keepAliveMs: number };

export const httpTimeoutsOf = (env: Record<keyof typeof HTTP_TIMEOUT_SETTINGS, number>): HttpTimeouts => ({
  headersMs: env.HTTP_HEADERS_TIMEOUT_MS,
  requestMs: env.HTTP_REQUEST_TIMEOUT_MS,
  keepAliveMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
});

/**
 * Node checks the header and request timeouts of open connections only this often (30 s by default): a tenth of the
 * shorter one, between 100 ms and 1 s, enforces each close to its value at the cost of a timer per second.
 */
export const connectionsCheckingInterval = ({ headersMs, requestMs }: HttpTimeouts): number =>
  Math.min(1000, Math.max(100, Math.floor(Math.min(headersMs, requestMs) / 10)));
