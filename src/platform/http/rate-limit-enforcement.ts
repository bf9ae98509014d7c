import { createHash } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EMAIL, foldIdentifier, withoutSurroundingSpaces } from '../../shared-kernel/identifiers';
import { addressSubject } from './client-address';
import { RATE_LIMIT_POLICIES, type RateLimitPolicy, WRITE_METHODS } from './rate-limit-policies';
import { RateLimitExceeded, rateLimitHeaders, RateLimits } from './rate-limits';
import {
  type AuthUser,
  carriesCredentials,
  type OrderlyRequest,
  RATE_LIMIT_EXEMPT,
  RATE_LIMITED,
  type RateLimitedOptions,
} from './request-context';

type Request = FastifyRequest & OrderlyRequest;

/** Requests the early hook has counted already: the guard leaves them alone. */
const counted = new WeakSet<object>();

/** The route's own policy for this request (a route may pick another for some requests, see `RateLimited`). */
const routePolicy = (route: RateLimitedOptions, request: OrderlyRequest): RateLimitPolicy =>
  route.instead?.when(request) ? route.instead.policy : route.policy;

/** Every policy the route may count a request against. */
const routePolicies = (route: RateLimitedOptions): RateLimitPolicy[] => [route.policy, ...(route.instead ? [route.instead.policy] : [])];

/**
 * The email a login names, as the login compares it (surrounding spaces dropped, ASCII lower case), hashed: people
 * type passwords into the email field, so it never lands in a Redis key as typed. The body is not validated yet:
 * anything but a string counts as no email (such a request is refused as invalid without a password check).
 */
const emailDigest = (body: unknown): string => {
  const email = typeof body === 'object' && body !== null ? (body as { email?: unknown }).email : undefined;
  const folded = typeof email === 'string' ? foldIdentifier(withoutSurroundingSpaces(email), EMAIL) : '';
  return createHash('sha256').update(folded, 'utf8').digest('base64url');
};

/**
 * Whose requests the policy counts together (its `countedPer`, see rate-limit-policies.ts): the client address
 * (`request.ip`, through the trusted proxies), the caller once known, and for a login the email of its parsed body.
 */
export const rateLimitSubject = (policy: RateLimitPolicy, request: { ip: string; user?: AuthUser; body?: unknown }): string => {
  const address = `address:${addressSubject(request.ip)}`;
  switch (RATE_LIMIT_POLICIES[policy].countedPer) {
    case 'address':
      return address;
    case 'caller':
      return request.user ? `principal:${request.user.id}` : address;
    case 'address-and-email':
      return `${address}:email:${emailDigest(request.body)}`;
  }
};

/** Counts the request; sets the RateLimit header fields on the reply; throws 429 when it is over the limit. */
const enforce = async (limits: RateLimits, policy: RateLimitPolicy, request: Request, reply: FastifyReply): Promise<void> => {
  const verdict = await limits.consume(policy, rateLimitSubject(policy, request));
  void reply.headers(rateLimitHeaders(verdict));
  if (!verdict.allowed) throw new RateLimitExceeded(verdict);
};

/**
 * Whether the early hook knows whom to count the request as: it does when every policy the route may pick counts per
 * address, or when the request carries no credentials (a `caller` policy then counts it by address too). It does
 * not when a policy needs the body (`address-and-email`), nor for a request with credentials to a route that counts
 * per caller or picks its policy by caller: only the AuthGuard knows who sent it.
 */
const countedEarly = (route: RateLimitedOptions, request: OrderlyRequest): boolean => {
  const subjects = routePolicies(route).map((policy) => RATE_LIMIT_POLICIES[policy].countedPer);
  if (subjects.includes('address-and-email')) return false;
  return subjects.every((subject) => subject === 'address') || !carriesCredentials(request);
};

/**
 * The early half of request rate limiting, a Fastify `onRequest` hook: a request to a route with a policy of its own
 * (`@RateLimited`) whose subject is known without the body and the caller (see `countedEarly`) is counted before its
 * body is read and before the read cache may answer it, so a refused one costs nothing more, and cached answers count
 * too. The others wait for the guard. Register it before the read cache's hook.
 */
export const installRateLimitHook = (fastify: FastifyInstance, limits: RateLimits): void => {
  if (!limits.enabled) return;
  fastify.addHook('onRequest', async (request: Request, reply) => {
    const route = request.routeOptions.config as { [RATE_LIMITED]?: RateLimitedOptions } | undefined;
    const options = route?.[RATE_LIMITED];
    if (!options || !countedEarly(options, request)) return;
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
 * the handler, once the body is parsed: it counts what the hook did not, i.e. requests with credentials to routes
 * counted per caller (per account or API key; per address when the credentials were not valid on a public route),
 * logins (per address and email) and anonymous writes to routes without a policy of their own. A refused request (429
 * `request.rate_limited` with Retry-After) runs no idempotency claim, validation, password hash or write. Every
 * answer after the count, allowed or refused, carries the RateLimit header fields; one refused before it (401 or 403
 * from the AuthGuard, a body that is not JSON) does not.
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
