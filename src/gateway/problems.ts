import { HttpException } from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Problem, problem, PROBLEM_CONTENT_TYPE, toProblem } from '../platform/http/problem-details.filter';
import type { AppLogger } from '../platform/observability/logger';
import { Unavailable } from '../shared-kernel/errors';

/**
 * 503: the service owning the route cannot be reached through this gateway now: none is configured, or its circuit
 * is open. `retryAfterSeconds` (the Retry-After header) is when the circuit lets a trial request through.
 */
export class UpstreamUnavailable extends Unavailable {
  constructor(retryAfterSeconds?: number) {
    super(
      'gateway.upstream_unavailable',
      'the service that answers this route is unavailable; retry later',
      retryAfterSeconds === undefined ? {} : { retryAfterSeconds },
    );
  }
}

/** 503: credentials could not be checked because identity did not answer. */
export class CredentialsUncheckable extends Unavailable {
  constructor(cause: unknown) {
    super('gateway.credentials_uncheckable', 'the credentials cannot be checked now; retry later', { retryAfterSeconds: 5 });
    this.cause = cause;
  }
}

/** 504: the service did not start answering within the route's timeout. */
export const upstreamTimeout = (): Problem =>
  problem(504, 'gateway.upstream_timeout', 'the service that answers this route did not answer in time');

/** 502: the connection to the service broke before it answered. */
export const upstreamFailed = (): Problem =>
  problem(502, 'gateway.upstream_failed', 'the connection to the service that answers this route broke before it answered');

/**
 * Answers `request` with a problem document, as the services' exception filter writes one (with `instance` and
 * `correlationId`). A request whose body is still arriving gets `Connection: close`: what is left of it is not read.
 */
export const sendProblem = (
  request: FastifyRequest,
  reply: FastifyReply,
  p: Problem,
  headers: Record<string, string> = {},
): FastifyReply => {
  if (!request.raw.complete) void reply.header('connection', 'close');
  return reply
    .status(p.status)
    .headers(headers)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify({ ...p, instance: request.url.split('?')[0], correlationId: String(request.id) }));
};

/**
 * Every error answered as problem+json: domain errors by their kind (401 with WWW-Authenticate, 429 and 503 with
 * Retry-After), Fastify's own request errors (an invalid Content-Type) as the services answer them, anything else
 * as a 500 that is logged and names nothing internal. Unknown routes get the services' 404. `observe` sees each
 * error first (to count refusals).
 */
export const installProblemHandlers = (fastify: FastifyInstance, logger: AppLogger, observe: (error: unknown) => void): void => {
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    observe(error);
    const known = error.code?.startsWith('FST_') && (error.statusCode ?? 500) < 500;
    const {
      problem: p,
      headers,
      unexpected,
    } = toProblem(known ? new HttpException(error.message, error.statusCode!, { cause: error }) : error);
    const fields = { err: error, correlationId: String(request.id), method: request.method, url: request.url };
    if (unexpected) logger.error('request failed', fields);
    // an open circuit refuses every request to its service: its opening is logged once, not each refusal
    else if (p.status === 503 && !(error instanceof UpstreamUnavailable))
      logger.warn('request refused: a dependency is unavailable', fields);
    return sendProblem(request, reply, p, headers);
  });
  fastify.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, problem(404, 'http.route_not_found', 'no route matches this method and path')),
  );
};
