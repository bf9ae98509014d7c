import type { FastifyReply, FastifyRequest } from 'fastify';
import { CART_TOKEN_HEADER } from '../platform/http/idempotency-keys';
import { rateLimitSubject } from '../platform/http/rate-limit-enforcement';
import { RATE_LIMIT_POLICIES, type RateLimitPolicy, WRITE_METHODS } from '../platform/http/rate-limit-policies';
import { RateLimitExceeded, rateLimitHeaders, RateLimits } from '../platform/http/rate-limits';
import { type AuthUser, headerOf, type OrderlyRequest, RATE_LIMITED, type RateLimitedOptions } from '../platform/http/request-context';
import type { GatewayRoute } from './gateway-routes';

/** A guest without a cart token: the write creates a guest cart, limited more tightly (the cart's own rule). */
const startsGuestCart = (request: OrderlyRequest) => !request.user && !headerOf(request, CART_TOKEN_HEADER)?.trim();
const CART_WRITE: RateLimitedOptions = { policy: 'cart-write', instead: { policy: 'guest-cart', when: startsGuestCart } };

/**
 * The routes with a rate-limit policy of their own, as the services declare them (`@RateLimited`);
 * test/gateway/route-table.spec.ts holds this to the policies the monolith's document names on each operation.
 */
export const ROUTE_RATE_LIMITS: Readonly<Record<string, RateLimitedOptions>> = {
  'POST /api/v1/auth/register': { policy: 'register' },
  'POST /api/v1/auth/login': { policy: 'login' },
  'POST /api/v1/auth/refresh': { policy: 'refresh' },
  'POST /api/v1/cart/items': CART_WRITE,
  'PUT /api/v1/cart/items/{sku}': CART_WRITE,
  'DELETE /api/v1/cart/items/{sku}': CART_WRITE,
  'POST /api/v1/cart/refresh': CART_WRITE,
  'POST /api/v1/checkout': { policy: 'checkout' },
  'GET /api/v1/search': { policy: 'search' },
  'GET /api/v1/search/suggest': { policy: 'suggest' },
};

/** Public writes the services leave out of `anonymous-write` (`@RateLimitExempt`): the providers' signed webhooks. */
export const RATE_LIMIT_EXEMPT_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/v1/payments/webhooks/sandbox',
  'POST /api/v1/shipping/webhooks/sandbox',
]);

/**
 * The Fastify route config that lets the platform's early hook (`installRateLimitHook`) count a route's requests
 * whose subject is known from their headers, before anything else runs, exactly as it does in the services.
 */
export const rateLimitRouteConfig = (route: GatewayRoute): Record<string, unknown> => {
  const own = ROUTE_RATE_LIMITS[route.route];
  return own ? { [RATE_LIMITED]: own } : {};
};

/** Every policy a request to `route` may be counted against (what the document lists on its 429). */
export const policiesOf = (route: Pick<GatewayRoute, 'route' | 'method' | 'isPublic'>): RateLimitPolicy[] => {
  const own = ROUTE_RATE_LIMITS[route.route];
  if (own) return [own.policy, ...(own.instead ? [own.instead.policy] : [])];
  const anonymousWrite = route.isPublic && !RATE_LIMIT_EXEMPT_ROUTES.has(route.route) && WRITE_METHODS.has(route.method);
  return anonymousWrite ? ['anonymous-write'] : [];
};

/**
 * Whether counting a request to the route needs its caller: a policy counted per account or API key, or the limit on
 * anonymous writes (which a signed-in caller escapes). A public route without one needs no identity lookup at the
 * edge: its service checks the credentials anyway, and the edge refuses none on a public route.
 */
export const needsCaller = (route: GatewayRoute): boolean =>
  !route.isPublic ||
  policiesOf(route).some((policy) => policy === 'anonymous-write' || RATE_LIMIT_POLICIES[policy].countedPer === 'caller');

/** Whether a policy of the route counts per email, which only the request body names (the login). */
export const needsBody = (route: GatewayRoute): boolean =>
  policiesOf(route).some((policy) => RATE_LIMIT_POLICIES[policy].countedPer === 'address-and-email');

/**
 * A request body as the services' JSON parser reads it, for the email a login names; undefined when it is not JSON,
 * which the service refuses (400 or 415) before it would count the request.
 */
const jsonBody = (contentType: string | undefined, body: Buffer | undefined): unknown => {
  if (!body || contentType?.split(';')[0].trim().toLowerCase() !== 'application/json') return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * The late half of the edge's rate limits, after the caller is known (the services' RateLimitGuard): it counts what
 * the platform's early hook did not — requests with credentials to routes counted per caller (per account or API
 * key), logins (per address and email) and anonymous writes — under the same subjects, in the same counters as
 * every other gateway instance (Redis). The early hook marks what it counted with the RateLimit header fields.
 */
export class EdgeRateLimits {
  constructor(private readonly limits: RateLimits) {}

  /** Counts the request unless the early hook did; sets the RateLimit header fields; throws 429 over the limit. */
  async countAfterAuthentication(
    route: GatewayRoute,
    request: FastifyRequest,
    reply: FastifyReply,
    user: AuthUser | undefined,
    body?: Buffer,
  ): Promise<void> {
    if (!this.limits.enabled || reply.hasHeader('ratelimit-limit')) return;
    const policy = this.policyFor(route, request, user);
    if (!policy) return;
    const subject = this.subjectOf(policy, request, user, body);
    if (subject === undefined) return;
    const verdict = await this.limits.consume(policy, subject);
    void reply.headers(rateLimitHeaders(verdict));
    if (!verdict.allowed) throw new RateLimitExceeded(verdict);
  }

  private policyFor(route: GatewayRoute, request: FastifyRequest, user: AuthUser | undefined): RateLimitPolicy | undefined {
    const own = ROUTE_RATE_LIMITS[route.route];
    if (own) return own.instead?.when({ headers: request.headers, user }) ? own.instead.policy : own.policy;
    return !user && policiesOf(route).includes('anonymous-write') ? 'anonymous-write' : undefined;
  }

  /** The services' subject (`rateLimitSubject`); undefined for a login whose body is not JSON, which is not counted. */
  private subjectOf(policy: RateLimitPolicy, request: FastifyRequest, user: AuthUser | undefined, body?: Buffer): string | undefined {
    if (RATE_LIMIT_POLICIES[policy].countedPer !== 'address-and-email') return rateLimitSubject(policy, { ip: request.ip, user });
    const json = jsonBody(request.headers['content-type'], body);
    return json === undefined ? undefined : rateLimitSubject(policy, { ip: request.ip, user, body: json });
  }
}
