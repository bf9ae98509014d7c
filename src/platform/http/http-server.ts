import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { AppLogger } from '../observability/logger';
import { problem, PROBLEM_CONTENT_TYPE } from './problem-details.filter';
import { installRateLimitHook } from './rate-limit-enforcement';
import { RateLimits } from './rate-limits';
import { correlationIdFor, REQUEST_ID_HEADER } from './request-meta.interceptor';

/** Largest request body accepted (64 KiB); larger bodies get 413 `request.body_too_large` before any parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Node checks the header and request timeouts of open connections only this often (30 s by default): a tenth of the
 * shorter one, between 100 ms and 1 s, enforces each close to its value at the cost of a timer per second.
 */
const connectionsCheckingInterval = ({ headersMs, requestMs }: Config['httpTimeouts']): number =>
  Math.min(1000, Math.max(100, Math.floor(Math.min(headersMs, requestMs) / 10)));

/**
 * The Fastify adapter every composition root and the test harness use: body limit; the request id taken from a
 * well-formed X-Request-Id (else generated) so it exists before routing, guards and parsing; the client address from
 * X-Forwarded-For only through the trusted proxies (`request.ip`); and timeouts that close connections of clients
 * too slow to send their headers or their whole request, and idle keep-alive connections.
 */
export const createHttpAdapter = (config: Pick<Config, 'trustedProxies' | 'httpTimeouts'>): FastifyAdapter => {
  const timeouts = config.httpTimeouts;
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => correlationIdFor(request),
    logger: false,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: connectionsCheckingInterval(timeouts),
    },
    clientErrorHandler,
    frameworkErrors: routerError,
  });
};

/** What Node answers on its own before a request reaches Fastify (a timeout, oversized or malformed headers), as problem+json. */
const CLIENT_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request.timeout', detail: 'the request was not received in time' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'request.headers_too_large', detail: 'the request headers are larger than the server accepts' },
};

const clientErrorHandler = (error: Error & { code?: string }, socket: Socket): void => {
  // a reset connection has nobody left to answer
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''];
  const p = known ? problem(known.status, known.code, known.detail) : problem(400, 'request.malformed', 'the request is not valid HTTP');
  const body = JSON.stringify(p);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status]}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
};

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
 * included), the early request rate limit of anonymous callers and an access log line per request (debug; 5xx at
 * warn). Call before `app.init()`.
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
  // before any hook a context adds in its module's init (the catalog's read cache): cached answers are counted too
  installRateLimitHook(fastify, app.get(RateLimits));
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
