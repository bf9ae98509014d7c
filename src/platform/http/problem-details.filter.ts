import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorKind } from '../../shared-kernel/errors';
import { WrongExpectedVersion } from '../event-store/event-store';
import { isConnectionError } from '../persistence/pg.database';
import { AppLogger } from '../observability/logger';

/** An RFC 9457 problem document, plus our stable machine-readable `code`. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  correlationId?: string;
  /** one entry per invalid field (validation problems) */
  errors?: unknown[];
  /** any other facts the error carries (ids, limits) */
  details?: Record<string, unknown>;
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** A response stored by the idempotency layer, sent again as it was (status, body, headers). */
export class ReplayedResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {}
}

const KIND_STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify's own request errors, by their code. */
const FASTIFY_CODES: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'request.malformed_json', detail: 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'request.malformed_json',
    detail: 'the request body is empty but its content type is JSON',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'request.body_too_large', detail: 'the request body is larger than the server accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'request.unsupported_media_type', detail: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'request.invalid_content_length',
    detail: 'Content-Length does not match the body',
  },
};

/** Serialization failures and deadlocks: the command lost a race and may be retried as it is. */
const isTransactionConflict = (error: Error & { code?: string }): boolean => error.code === '40001' || error.code === '40P01';

const problemType = (code: string) => `urn:orderly:problem:${code}`;

export const problem = (status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem => ({
  type: problemType(code),
  title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
  status,
  detail,
  code,
  ...extra,
});

const fromDomainError = (error: DomainError): Problem => {
  const { errors, ...details } = error.details;
  return problem(KIND_STATUS[error.kind], error.code, error.message, {
    ...(Array.isArray(errors) ? { errors } : {}),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  });
};

const fromHttpException = (error: HttpException): Problem => {
  const status = error.getStatus();
  const cause = error.cause as { code?: string } | undefined;
  const known = cause?.code ? FASTIFY_CODES[cause.code] : undefined;
  if (known) return problem(known.status, known.code, known.detail);
  if (error instanceof NotFoundException) return problem(404, 'http.route_not_found', 'no route matches this method and path');
  if (status >= 500) return problem(status, 'internal', 'the server could not complete the request');
  const codes: Record<number, string> = {
    400: 'request.invalid',
    401: 'auth.unauthenticated',
    403: 'auth.forbidden',
    413: 'request.body_too_large',
    415: 'request.unsupported_media_type',
  };
  return problem(status, codes[status] ?? `http.status_${status}`, error.message);
};

/**
 * Maps anything thrown while serving a request to a problem document. Unknown errors become a generic 500 and
 * are flagged for logging: their message and stack never reach the client.
 */
export const toProblem = (error: unknown): { problem: Problem; headers: Record<string, string>; unexpected: boolean } => {
  const headers: Record<string, string> = {};
  if (error instanceof DomainError) {
    const p = fromDomainError(error);
    if (p.status === 401) headers['www-authenticate'] = 'Bearer realm="orderly"';
    const retryAfter = Number(error.details.retryAfterSeconds);
    if ((p.status === 429 || p.status === 503) && retryAfter > 0) headers['retry-after'] = String(Math.ceil(retryAfter));
    return { problem: p, headers, unexpected: false };
  }
  if (error instanceof HttpException) {
    const p = fromHttpException(error);
    if (p.status === 401) headers['www-authenticate'] = 'Bearer realm="orderly"';
    return { problem: p, headers, unexpected: p.status >= 500 };
  }
  if (error instanceof WrongExpectedVersion || (error instanceof Error && isTransactionConflict(error))) {
    return {
      problem: problem(409, 'concurrency.conflict', 'the resource was changed by a concurrent request; read it again and retry'),
      headers,
      unexpected: false,
    };
  }
  if (isConnectionError(error)) {
    headers['retry-after'] = '5';
    return {
      problem: problem(503, 'service.unavailable', 'the service is temporarily unavailable; retry later'),
      headers,
      unexpected: true,
    };
  }
  return {
    problem: problem(500, 'internal', 'an unexpected error occurred; quote the correlation id when reporting it'),
    headers,
    unexpected: true,
  };
};

/**
 * A 503 the app chose to answer (a bulkhead with no room: a DomainError of kind `unavailable` that no failure caused),
 * as opposed to an outage (a connection error, or an `Unavailable` wrapping one as its `cause`). A flood answers many
 * of the first: each is expected and not worth a warning.
 */
const isOverloadRefusal = (error: unknown): boolean =>
  error instanceof DomainError && error.kind === 'unavailable' && (error as { cause?: unknown }).cause === undefined;

/** The single global exception filter: every error response is RFC 9457 application/problem+json. */
@Injectable()
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;

    if (exception instanceof ReplayedResponse) {
      reply.status(exception.status).headers(exception.headers);
      if (exception.body === null || exception.body === undefined) reply.send();
      else reply.send(exception.body);
      return;
    }

    const { problem: p, headers, unexpected } = toProblem(exception);
    const correlationId = String(request.id);
    if (unexpected && p.status !== 503) {
      this.logger.error('request failed', { err: exception, correlationId, method: request.method, url: request.url, status: p.status });
    } else if (isOverloadRefusal(exception)) {
      this.logger.debug('request refused: no room for it now', { code: p.code, correlationId, method: request.method, url: request.url });
    } else if (p.status === 503) {
      // an outage, not a bug: still worth knowing which requests it cost, and why (the cause stays out of the reply)
      this.logger.warn('request refused: a dependency is unavailable', {
        err: exception,
        correlationId,
        method: request.method,
        url: request.url,
      });
    }
    reply
      .status(p.status)
      .headers(headers)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify({ ...p, instance: request.url.split('?')[0], correlationId }));
  }
}
