import type { IncomingMessage } from 'node:http';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { Clock } from '../../shared-kernel/clock';
import { InvalidInput } from '../../shared-kernel/errors';
import { newId } from '../../shared-kernel/ids';
import type { CommandMeta } from '../event-store/event-store';
import { withLogContext } from '../observability/logger';
import { currentTraceContext } from '../observability/tracing-context';
import type { OrderlyRequest } from './request-context';

export const REQUEST_ID_HEADER = 'x-request-id';
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

const header = (headers: IncomingMessage['headers'] | OrderlyRequest['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The caller's X-Request-Id when it is a safe token (≤128 of [A-Za-z0-9._-]), else a new id. Used as Fastify's genReqId. */
export const correlationIdFor = (request: IncomingMessage): string => {
  const incoming = header(request.headers, REQUEST_ID_HEADER);
  return incoming && REQUEST_ID.test(incoming) ? incoming : newId();
};

/** The Idempotency-Key header, checked for length; undefined when absent. */
export const idempotencyKeyOf = (request: OrderlyRequest): string | undefined => {
  const key = header(request.headers, IDEMPOTENCY_KEY_HEADER)?.trim();
  if (key === undefined || key === '') return undefined;
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InvalidInput('idempotency.key_too_long', `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, {
      maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
    });
  }
  return key;
};

/** Who the request acts for, as idempotency scopes and command ids name it. */
export const principalOf = (request: OrderlyRequest): string => request.user?.id ?? 'anonymous';

/** `METHOD /route/:pattern` — the route, not the concrete URL, so every call of one endpoint shares a scope. */
export const endpointOf = (request: FastifyRequest): string => `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;

/**
 * Builds the CommandMeta of every request once (controllers take it with `@Meta()`): command id from the
 * Idempotency-Key scoped to caller and endpoint (else a new id), correlation id (Fastify's request id, from
 * X-Request-Id), user, the trace context of the request's server span (tracing on: the http instrumentation continued
 * the caller's `traceparent` or started a trace; off: none) and `now` from the injected Clock. Log lines written
 * while handling the request carry its correlation id.
 */
@Injectable()
export class RequestMetaInterceptor implements NestInterceptor {
  constructor(private readonly clock: Clock) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & OrderlyRequest>();
    const key = idempotencyKeyOf(request);
    const meta: CommandMeta = {
      commandId: key ? `${principalOf(request)}:${endpointOf(request)}:${key}` : newId(),
      correlationId: String(request.id),
      ...currentTraceContext(),
      now: this.clock.now(),
      ...(request.user ? { userId: request.user.id } : {}),
    };
    request.orderlyMeta = meta;
    return new Observable((subscriber) => withLogContext({ correlationId: meta.correlationId }, () => next.handle().subscribe(subscriber)));
  }
}
