import type { SecurityHeadersOptions } from '@nestjs/common';
import { resolveSecurityHeaders } from '@nestjs/core/security/security-headers';
import type { FastifyInstance } from 'fastify';
import type { AppLogger } from '../observability/logger';
import { forwardedByUntrustedPeer } from './client-address';
import { installRateLimitHook } from './rate-limit-enforcement';
import type { RateLimits } from './rate-limits';
import { carriesCredentials } from './request-context';
import { REQUEST_ID_HEADER } from './request-meta.interceptor';

/** The security headers of every answer: helmet's defaults, but HSTS and `upgrade-insecure-requests`, and no framing. */
export const SECURITY_HEADERS: SecurityHeadersOptions = {
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  strictTransportSecurity: false, // set by the TLS-terminating proxy, which knows whether HTTPS is in use
  xFrameOptions: { action: 'deny' },
};

/**
 * SECURITY_HEADERS on every answer of a server without Nest (whose apps get them from `app.useSecurityHeaders`),
 * errors and 404s included: written to the Node response first thing, where Nest's own hook writes them.
 */
export const installSecurityHeaders = (fastify: FastifyInstance): void => {
  const { headers } = resolveSecurityHeaders(SECURITY_HEADERS);
  fastify.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
};

export type HttpHooksOptions = {
  logger: AppLogger;
  rateLimits: RateLimits;
  /** What the clients behind one proxy share once its X-Forwarded-For is ignored, for the warning: `rate limits`. */
  countedPerAddress: string;
};

/**
 * The request hooks of every HTTP server of Orderly, the services' and the gateway's, in this order: the request id
 * echoed in X-Request-Id on every answer (errors and 404s included); one warning when X-Forwarded-For arrives from an
 * address TRUSTED_PROXIES does not name; the early request rate limit (`installRateLimitHook`); `Cache-Control:
 * no-store` on answers to requests with credentials unless the answer says otherwise; and an access log line per
 * request (debug; 5xx at warn, but 503, which is logged with its cause where it is noticed).
 */
export const installHttpHooks = (fastify: FastifyInstance, { logger, rateLimits, countedPerAddress }: HttpHooksOptions): void => {
  let untrustedForwardingReported = false;
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, String(request.id));
    if (!untrustedForwardingReported && forwardedByUntrustedPeer(request)) {
      untrustedForwardingReported = true;
      logger.warn(
        'X-Forwarded-For received from an address TRUSTED_PROXIES does not name: it is ignored, so all clients behind that ' +
          `proxy share its address, with its ${countedPerAddress} (reported once)`,
        { setting: 'TRUSTED_PROXIES', address: request.socket.remoteAddress },
      );
    }
    done();
  });
  // before any hook added later (the catalog's read cache): answers given early are counted too
  installRateLimitHook(fastify, rateLimits);
  // what a caller sees with credentials is theirs alone: never kept by a shared cache or the browser's
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (carriesCredentials(request) && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const fields = {
      method: request.method,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      correlationId: String(request.id),
    };
    // a 503 is an outage warned about with its cause where it is noticed, or an expected refusal under overload
    if (reply.statusCode >= 500 && reply.statusCode !== 503) logger.warn('request failed', fields);
    else logger.debug('request', fields);
    done();
  });
};
