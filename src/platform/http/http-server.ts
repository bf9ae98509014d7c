import type { IncomingMessage } from 'node:http';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppLogger } from '../observability/logger';
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
  });

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
