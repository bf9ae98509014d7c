import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { AppLogger } from '../observability/logger';
import { nameServerSpan } from '../observability/tracing-context';
import { installHttpHooks, SECURITY_HEADERS } from './http-hooks';
import { connectionsCheckingInterval } from './http-timeouts';
import { problem, PROBLEM_CONTENT_TYPE } from './problem-details.filter';
import { RateLimits } from './rate-limits';
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
  const adapter = new FastifyAdapter({
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
  // with the client error handler: a server that answers early never writes a second answer on the socket
  trackAnswersBeforeBody(adapter.getInstance().server);
  return adapter;
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
 * Security headers (Nest's built-in, helmet's defaults), the route template as the name of the request's trace span,
 * then the hooks every HTTP server of Orderly has
 * (`installHttpHooks`: the X-Request-Id echo, the warning about an untrusted X-Forwarded-For, the early request rate
 * limit, no caching of answers to credentials, an access log line). Call before `app.init()`.
 */
export const configureHttpApp = (app: NestFastifyApplication): void => {
  app.useSecurityHeaders(SECURITY_HEADERS);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    nameServerSpan(request.routeOptions.url);
    done();
  });
  // before any hook a context adds in its module's init (the catalog's read cache): cached answers are counted too
  installHttpHooks(fastify, {
    logger: app.get(AppLogger).child({ component: 'http' }),
    rateLimits: app.get(RateLimits),
    countedPerAddress: 'rate limits and failed-login throttling',
  });
};
