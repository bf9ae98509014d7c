import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { AppLogger } from '../observability/logger';
import { nameServerSpan } from '../observability/tracing-context';
import { forwardedByUntrustedPeer } from './client-address';
import { connectionsCheckingInterval } from './http-timeouts';
import { problem, PROBLEM_CONTENT_TYPE } from './problem-details.filter';
import { installRateLimitHook } from './rate-limit-enforcement';
import { RateLimits } from './rate-limits';
import { carriesCredentials } from './request-context';
import { correlationIdFor, REQUEST_ID_HEADER } from './request-meta.interceptor';

/** Largest request body accepted (64 KiB); larger bodies get 413 `request.body_too_large` before any parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

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

/** Node's own bookkeeping: the response in flight on a socket, and whether its head was written. */
type HttpSocket = Socket & { _httpMessage?: { headersSent?: boolean; _headerSent?: boolean } | null };

/**
 * Sockets whose request was answered before its body had all arrived (the early rate limit's 429, a 413 by
 * Content-Length): Node detaches the finished response from the socket and discards the rest of the body as it
 * comes, so nothing of Node's tells that the request in flight already has its answer.
 */
const answeredBeforeBody = new WeakSet<Socket>();

const trackAnswersBeforeBody = (server: Server): void => {
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    response.once('finish', () => {
      if (request.complete) return;
      answeredBeforeBody.add(request.socket);
      request.once('end', () => answeredBeforeBody.delete(request.socket));
    });
  });
};

/** A response has started on the socket for the request in flight: a second one would corrupt what the client reads. */
const responseStarted = (socket: HttpSocket): boolean =>
  answeredBeforeBody.has(socket) || socket._httpMessage?.headersSent === true || socket._httpMessage?._headerSent === true;

const clientErrorHandler = (error: Error & { code?: string }, socket: HttpSocket): void => {
  // a reset connection has nobody left to answer
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''];
  const p = known ? problem(known.status, known.code, known.detail) : problem(400, 'request.malformed', 'the request is not valid HTTP');
  const body = JSON.stringify(p);
  // as Node's own handler does: answer only while no response has started on the socket, else just close it
  // (e.g. the body of a request refused early trickles in until the request timeout)
  if (socket.writable && !responseStarted(socket)) {
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
 * included), the route template as the name of the request's trace span, no second answer to a request answered
 * before its body arrived, the early request rate limit, a warning when X-Forwarded-For arrives from an untrusted
 * address, and an access log line per request (debug; 5xx at warn but 503, which the exception filter logs by its
 * cause). Call before `app.init()`.
 */
export const configureHttpApp = (app: NestFastifyApplication): void => {
  app.useSecurityHeaders({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    strictTransportSecurity: false, // set by the TLS-terminating proxy, which knows whether HTTPS is in use
    xFrameOptions: { action: 'deny' },
  });
  const fastify = app.getHttpAdapter().getInstance();
  trackAnswersBeforeBody(fastify.server);
  const logger = app.get(AppLogger).child({ component: 'http' });
  let untrustedForwardingReported = false;
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, String(request.id));
    nameServerSpan(request.routeOptions.url);
    if (!untrustedForwardingReported && forwardedByUntrustedPeer(request)) {
      untrustedForwardingReported = true;
      logger.warn(
        'X-Forwarded-For received from an address TRUSTED_PROXIES does not name: it is ignored, so all clients behind that ' +
          'proxy share its address, with its rate limits and failed-login throttling (reported once)',
        { setting: 'TRUSTED_PROXIES', address: request.socket.remoteAddress },
      );
    }
    done();
  });
  // before any hook a context adds in its module's init (the catalog's read cache): cached answers are counted too
  installRateLimitHook(fastify, app.get(RateLimits));
  // what a caller sees with credentials is theirs alone: never kept by a shared cache or the browser's
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (carriesCredentials(request) && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
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
    // a 503 is an outage the exception filter warned about with its cause, or an expected refusal under overload
    if (reply.statusCode >= 500 && reply.statusCode !== 503) logger.warn('request failed', fields);
    else logger.debug('request', fields);
    done();
  });
};
