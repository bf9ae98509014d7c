import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_KEY_HEADER } from './api-keys';
import { addressSubject } from './client-address';
import { type RateLimitPolicy, WRITE_METHODS } from './rate-limit-policies';
import { RateLimitExceeded, rateLimitHeaders, RateLimits } from './rate-limits';
import { headerOf, type OrderlyRequest, RATE_LIMIT_EXEMPT, RATE_LIMITED, type RateLimitedOptions } from './request-context';

type Request = FastifyRequest & OrderlyRequest;

/** Requests the early hook has counted already: the guard leaves them alone. */
const counted = new WeakSet<object>();

const carriesCredentials = (request: OrderlyRequest): boolean =>
  headerOf(request, 'authorization') !== undefined || headerOf(request, API_KEY_HEADER) !== undefined;

/** The route's own policy for this request (a route may pick another for some requests, see `RateLimited`). */
const routePolicy = (route: RateLimitedOptions, request: OrderlyRequest): RateLimitPolicy =>
  route.instead?.when(request) ? route.instead.policy : route.policy;

/** Whose requests are counted together: the account or API key when authenticated, else the client's network. */
const rateLimitSubject = (request: Request): string =>
  request.user ? `principal:${request.user.id}` : `address:${addressSubject(request.ip)}`;

/** Counts the request; sets the RateLimit header fields on the reply; throws 429 when it is over the limit. */
const enforce = async (limits: RateLimits, policy: RateLimitPolicy, request: Request, reply: FastifyReply): Promise<void> => {
  const verdict = await limits.consume(policy, rateLimitSubject(request));
  void reply.headers(rateLimitHeaders(verdict));
  if (!verdict.allowed) throw new RateLimitExceeded(verdict);
};

/**
 * The early half of request rate limiting, a Fastify `onRequest` hook: a request without credentials to a route with
 * a policy of its own (`@RateLimited`) is counted by its client address before its body is read and before the read
 * cache may answer it, so a refused one costs nothing more, and cached answers count too. Requests with credentials
 * wait for the guard, which knows who sent them. Register it before the read cache's hook.
 */
export const installRateLimitHook = (fastify: FastifyInstance, limits: RateLimits): void => {
  if (!limits.enabled) return;
  fastify.addHook('onRequest', async (request: Request, reply) => {
    const route = request.routeOptions.config as { [RATE_LIMITED]?: RateLimitedOptions } | undefined;
    const options = route?.[RATE_LIMITED];
    if (!options || carriesCredentials(request)) return;
    counted.add(request);
    await enforce(limits, routePolicy(options, request), request, reply);
  });
};

/**
 * The policy the guard counts a request against: its route's own (`@RateLimited`), else, for a write by an anonymous
 * caller, the limit on anonymous writes (unless the route is `@RateLimitExempt`); none for everything else.
 */
const policyOf = (route: RateLimitedOptions | undefined, exempt: boolean, request: Request): RateLimitPolicy | undefined => {
  if (route) return routePolicy(route, request);
  if (!exempt && !request.user && WRITE_METHODS.has(request.method)) return 'anonymous-write';
  return undefined;
};

/**
 * The late half, a global guard right after the AuthGuard (so it knows the caller) and before every interceptor and
 * the handler: it counts what the hook did not, i.e. requests with credentials (per account or API key; per address
 * when the credentials were not valid on a public route) and anonymous writes to routes without a policy of their
 * own. A refused request (429 `request.rate_limited` with Retry-After) runs no idempotency claim, validation,
 * password hash or write. Limited routes answer the RateLimit header fields on every response, allowed or refused.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || !this.limits.enabled) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (counted.has(request)) return true;
    const targets = [context.getHandler(), context.getClass()];
    const policy = policyOf(
      this.reflector.getAllAndOverride<RateLimitedOptions | undefined>(RATE_LIMITED, targets),
      this.reflector.getAllAndOverride<boolean>(RATE_LIMIT_EXEMPT, targets) === true,
      request,
    );
    if (policy) await enforce(this.limits, policy, request, context.switchToHttp().getResponse<FastifyReply>());
    return true;
  }
}
