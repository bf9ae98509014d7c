import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { CommandMeta } from '../event-store/event-store';
import type { RateLimitPolicy } from './rate-limit-policies';

export type Role = 'customer' | 'staff' | 'admin';
/**
 * The authenticated caller. A server client using an API key is `role: 'staff'` with id `apikey:<key id>`, an
 * empty email and `apiKey` set; a person logged in with an access token has no `apiKey`.
 */
export type AuthUser = { id: string; email: string; role: Role; apiKey?: { id: string; scopes: readonly string[] } };

/** Fields the request pipeline adds to Fastify's request. */
export type OrderlyRequest = {
  user?: AuthUser;
  orderlyMeta?: CommandMeta;
  headers: Record<string, string | string[] | undefined>;
};

/** A request header's value as sent (the first when repeated); undefined when absent. */
export const headerOf = (request: OrderlyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Header a server client sends its API key in. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * The request carries credentials (an Authorization or X-Api-Key header, even an empty or invalid one): it may be
 * answered for that caller alone, so it is never served from or kept by a shared cache, and the guards decide who
 * sent it. Whether they are valid is the AuthGuard's to say.
 */
export const carriesCredentials = (request: OrderlyRequest): boolean =>
  headerOf(request, 'authorization') !== undefined || headerOf(request, API_KEY_HEADER) !== undefined;

export const IS_PUBLIC = 'orderly:public';
/** The route needs no access token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const ROLES = 'orderly:roles';
/** Only these roles may call the route (admin may call every route). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

export const IDEMPOTENT = 'orderly:idempotent';
export type IdempotentOptions = {
  /** refuse requests without an Idempotency-Key */
  required?: boolean;
  /** top-level response fields never stored (secrets shown once): a replay answers without them */
  redact?: readonly string[];
};
/** The route honours Idempotency-Key (replay, 409 in flight, 422 on a different body). */
export const Idempotent = (options: IdempotentOptions = {}) => SetMetadata(IDEMPOTENT, { required: false, ...options });

export const RATE_LIMITED = 'orderly:rate-limited';
export type RateLimitedOptions = {
  policy: RateLimitPolicy;
  /** another policy for the requests `when` picks (a guest's first cart write, which creates a cart) */
  instead?: { policy: RateLimitPolicy; when: (request: OrderlyRequest) => boolean };
};
/**
 * Requests to the route count against `policy`, per the subject the policy is counted by (`countedPer` in
 * rate-limit-policies.ts); over it the answer is 429 `request.rate_limited` (documented on the route's OpenAPI
 * operation). Also set as the Fastify route's config, so requests whose subject the early hook knows are counted
 * before their body is read.
 */
export const RateLimited = (policy: RateLimitPolicy, instead?: RateLimitedOptions['instead']) => {
  const options: RateLimitedOptions = { policy, ...(instead ? { instead } : {}) };
  return applyDecorators(SetMetadata(RATE_LIMITED, options), RouteConfig({ [RATE_LIMITED]: options }));
};

export const RATE_LIMIT_EXEMPT = 'orderly:rate-limit-exempt';
/** A public write left out of the limit on anonymous writes (signed machine-to-machine calls): say why where used. */
export const RateLimitExempt = () => SetMetadata(RATE_LIMIT_EXEMPT, true);

/** CommandMeta built once per request by the request-meta interceptor. */
export const Meta = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandMeta => {
  const meta = ctx.switchToHttp().getRequest<OrderlyRequest>().orderlyMeta;
  if (!meta) throw new Error('request meta missing: RequestMetaInterceptor is not installed');
  return meta;
});

/** The authenticated caller (guard-checked routes only). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<OrderlyRequest>().user;
  if (!user) throw new Error('no authenticated user on a guarded route');
  return user;
});

/** Prefix of every versioned API route: `@Controller(`${API_V1}/orders`)` serves `/api/v1/orders`. */
export const API_V1 = 'api/v1';
