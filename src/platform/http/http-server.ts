import type { IncomingMessage } from 'node:http';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppLogger } from '../observability/logger';
import { problem, PROBLEM_CONTENT_TYPE } from './problem-details.filter';
import { correlationIdFor, REQUEST_ID_HEADER } from './request-meta.interceptor';

/** Largest request body accepted (64 KiB); larger bodies get 413 `request.body_too_large` before any parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The Fastify adapter every composition root and the test harness use: body limit, and the request id taken from
 * a well-formed X-Request-Id (else generated) so it exists before routing, guards and parsing.
 */
export const createHttpAdapter = (): FastifyAdapter =>
  new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => correlationIdFor(request),
    logger: false,
    // Swagger UI and clients behind a proxy: honour X-Forwarded-* only from a trusted hop (none by default)
    trustProxy: false,
    frameworkErrors: routerError,
  });

/** The router refuses a URL before any route (and so before the exception filter): it still answers problem+json. */
const routerError = (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
  const p =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? problem(414, 'request.uri_too_long', 'a path segment of the URL is longer than the server accepts')
      : problem(400, 'request.invalid_url', 'the URL is not valid (e.g. it does not decode to UTF-8)');
  void reply
    .status(p.status)
    .header(REQUEST_ID_HEADER, String(request.id))
    // the security-header hooks run per route, which this request never reached
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
    .header('x-frame-options', 'DENY')
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify({ ...p, correlationId: String(request.id) }));
};

/**
 * Security headers (Nest's built-in, helmet's defaults), the X-Request-Id echo on every response (errors and 404s
 * included) and an access log line per request (debug; 5xx at warn). Call before `app.init()`.
 */
export const configureHttpApp = (app: NestFastifyApplication): void => {
  app.useSecurityHeaders({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    strictTransportSecurity: false, // set by the TLS-terminating proxy, which knows whether HTTPS is in use
    xFrameOptions: { action: 'deny' },
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, String(request.id));
    done();
  });
  // what a caller sees with credentials is theirs alone: never kept by a shared cache or the browser's
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if ((request.headers.authorization || request.headers['x-api-key']) && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  const logger = app.get(AppLogger).child({ component: 'http' });
  fastify.addHook('onResponse', (request, reply, done) => {
    const fields = {
      method: request.method,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      correlationId: String(request.id),
    };
    if (reply.statusCode >= 500) logger.warn('request failed', fields);
    else logger.debug('request', fields);
    done();
  });
};
