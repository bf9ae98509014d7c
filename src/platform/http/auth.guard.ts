import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Forbidden, InvalidInput } from '../../shared-kernel/errors';
import { AccessTokens, InvalidAccessToken } from './access-tokens';
import { ApiKeyAuthenticator, apiKeyUser, InvalidApiKey, judgeApiKeyRequest, requiredScope } from './api-keys';
import { API_KEY_HEADER, AuthUser, IS_PUBLIC, OrderlyRequest, Role, ROLES, headerOf } from './request-context';

type Request = FastifyRequest & OrderlyRequest;

/** The token of an `Authorization: Bearer <token>` header; undefined without one, or with one of another scheme. */
export const bearerToken = (request: OrderlyRequest): string | undefined => {
  const header = headerOf(request, 'authorization');
  const match = header ? /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header) : null;
  return match?.[1];
};

/** The matched route's pattern (`/api/v1/orders/:id`), so scopes follow the route, not how its URL was spelled. */
const routePathOf = (request: Request): string => request.routeOptions?.url ?? request.url.split('?')[0];

/**
 * Global guard: every route needs a valid access token (`Authorization: Bearer`) or API key (`X-Api-Key`) unless
 * marked `@Public()`; `@Roles(...)` narrows it further (admin passes every role check). On public routes valid
 * credentials still identify the caller. An API key acts as staff, only within its scopes, and never on
 * customer-only resources (see api-keys.ts).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokens,
    @Optional() private readonly apiKeys?: ApiKeyAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<Request>();

    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      request.user = await this.authenticate(request).catch(() => undefined);
      return true;
    }

    const user = await this.authenticate(request);
    if (!user) throw new InvalidAccessToken('this endpoint requires an access token (Authorization: Bearer <token>) or an API key');
    request.user = user;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && roles.length > 0 && user.role !== 'admin' && !roles.includes(user.role)) {
      throw new Forbidden('auth.forbidden', `this endpoint is reserved to: ${roles.join(', ')}`);
    }
    if (user.apiKey) this.authorizeApiKey(user.apiKey.scopes, request);
    return true;
  }

  /** The caller named by the request's credentials; undefined when it carries none. Throws for invalid ones. */
  private async authenticate(request: Request): Promise<AuthUser | undefined> {
    const token = bearerToken(request);
    const apiKey = headerOf(request, API_KEY_HEADER);
    if (apiKey !== undefined) {
      if (token) throw new InvalidInput('auth.ambiguous_credentials', 'send either an access token or an API key, not both');
      const principal = this.apiKeys ? await this.apiKeys.authenticate(apiKey) : null;
      if (!principal) throw new InvalidApiKey();
      return apiKeyUser(principal);
    }
    return token ? this.tokens.verify(token) : undefined;
  }

  private authorizeApiKey(scopes: readonly string[], request: Request): void {
    const routePath = routePathOf(request);
    switch (judgeApiKeyRequest(scopes, request.method, routePath)) {
      case 'allowed':
        return;
      case 'customer_only':
        throw new Forbidden('auth.forbidden', 'API keys cannot act on customer routes; a customer must log in');
      case 'missing_scope':
        throw new Forbidden('auth.insufficient_scope', 'the API key does not have the scope this endpoint needs', {
          requiredScope: requiredScope(request.method, routePath)?.scope ?? null,
        });
    }
  }
}
