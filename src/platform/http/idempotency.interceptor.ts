import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { Clock } from '../../shared-kernel/clock';
import { Conflict, InvalidInput, Unprocessable } from '../../shared-kernel/errors';
import { AppLogger } from '../observability/logger';
import { ANONYMOUS, callerScope, IdempotencyKeys, requestHash } from './idempotency-keys';
import { PROBLEM_CONTENT_TYPE, ReplayedResponse, toProblem } from './problem-details.filter';
import { IDEMPOTENT, type IdempotentOptions, OrderlyRequest } from './request-context';
import { endpointOf, idempotencyKeyOf } from './request-meta.interceptor';

/** 422: the key was used before for a different request. */
export class IdempotencyKeyReused extends Unprocessable {
  constructor(message: string) {
    super('idempotency.key_reused', message);
  }
}

export const REPLAYED_HEADER = 'idempotent-replayed';
/** Response headers worth replaying with a stored response. */
const REPLAYED_HEADERS = ['location', 'etag', 'content-location'];

export const CART_TOKEN_SCOPED = 'orderly:idempotency-cart-token-scoped';
/**
 * On an `@Idempotent()` route guests use: a request from nobody in particular (no principal, no `X-Cart-Token`) has
 * no scope of its own, since a response stored for it would be replayed to any other anonymous caller reusing the
 * key, so its key is not used (the request runs as if it had none).
 */
export const CartTokenScoped = () => SetMetadata(CART_TOKEN_SCOPED, true);

/** Outcomes a retry must be able to change: they are not stored (the key is released). */
const isRetryable = (status: number) => status >= 500 || status === 400 || status === 408 || status === 429;

/**
 * Honours `Idempotency-Key` on routes marked `@Idempotent()`, per caller (the principal, else the guest cart token)
 * and endpoint: the first response (2xx, or an error other than 400/408/429/5xx) is stored for 24 h and replayed
 * with `Idempotent-Replayed: true`; the same key while the first request runs → 409, with a different body → 422.
 * A crashed request holds its key for at most the lease (60 s).
 */
/** The response as it may be kept: without the fields a route shows only once. */
const redacted = (body: unknown, fields: readonly string[] = []): unknown =>
  fields.length === 0 || body === null || typeof body !== 'object' || Array.isArray(body)
    ? body
    : Object.fromEntries(Object.entries(body).filter(([name]) => !fields.includes(name)));

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: IdempotencyKeys,
    private readonly clock: Clock,
    private readonly logger: AppLogger,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const options = this.reflector.getAllAndOverride<IdempotentOptions | undefined>(IDEMPOTENT, [context.getHandler(), context.getClass()]);
    if (!options) return next.handle();

    const request = context.switchToHttp().getRequest<FastifyRequest & OrderlyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = idempotencyKeyOf(request);
    if (!key) {
      if (options.required) throw new InvalidInput('idempotency.key_required', 'this endpoint requires an Idempotency-Key header');
      return next.handle();
    }

    const caller = callerScope(request);
    if (caller === ANONYMOUS && this.reflector.getAllAndOverride<boolean>(CART_TOKEN_SCOPED, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    const scope = `${caller} ${endpointOf(request)}`;
    const hash = requestHash(request.body, request.params);
    const claim = await this.keys.claim(scope, key, hash, this.clock.now());
    switch (claim.outcome) {
      case 'mismatch':
        throw new IdempotencyKeyReused('this Idempotency-Key was already used with a different request');
      case 'in_flight':
        throw new Conflict('idempotency.request_in_flight', 'a request with this Idempotency-Key is still being processed; retry later');
      case 'completed':
        throw new ReplayedResponse(claim.response.status, claim.response.body, { ...claim.response.headers, [REPLAYED_HEADER]: 'true' });
      case 'claimed':
        break;
    }

    return next.handle().pipe(
      mergeMap(async (body) => {
        await this.keys.complete(scope, key, hash, {
          status: reply.statusCode,
          body: redacted(body ?? null, options.redact),
          headers: this.replayableHeaders(reply),
        });
        return body;
      }),
      catchError((error: unknown) =>
        from(this.settleFailure(scope, key, hash, request, error)).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }

  /** Stores a final error answer (404, 409, 422, …) for replay; releases the key for errors a retry may change. */
  private async settleFailure(scope: string, key: string, hash: string, request: FastifyRequest, error: unknown): Promise<void> {
    const { problem, headers } = toProblem(error);
    try {
      if (isRetryable(problem.status)) {
        await this.keys.release(scope, key, hash);
      } else {
        const body = { ...problem, instance: request.url.split('?')[0], correlationId: String(request.id) };
        await this.keys.complete(scope, key, hash, {
          status: problem.status,
          body,
          headers: { ...headers, 'content-type': PROBLEM_CONTENT_TYPE },
        });
      }
    } catch (storeError) {
      // the key stays in flight until its lease ends; the original error is what the client must see
      this.logger.error('could not settle an idempotency key', { err: storeError, scope });
    }
  }

  private replayableHeaders(reply: FastifyReply): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    return headers;
  }
}
