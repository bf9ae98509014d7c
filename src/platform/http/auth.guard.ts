import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Forbidden } from '../../shared-kernel/errors';
import { AccessTokens, InvalidAccessToken } from './access-tokens';
import { IS_PUBLIC, OrderlyRequest, Role, ROLES } from './request-context';

const bearerToken = (request: OrderlyRequest): string | undefined => {
  const value = request.headers.authorization;
  const header = Array.isArray(value) ? value[0] : value;
  const match = header ? /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header) : null;
  return match?.[1];
};

/**
 * Global guard: every route needs a valid access token unless marked `@Public()`; `@Roles(...)` narrows it
 * further (admin passes every role check). On public routes a valid token still identifies the caller.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<OrderlyRequest>();
    const token = bearerToken(request);

    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      if (token) request.user = await this.tokens.verify(token).catch(() => undefined);
      return true;
    }

    if (!token) throw new InvalidAccessToken('this endpoint requires an access token (Authorization: Bearer <token>)');
    const user = await this.tokens.verify(token);
    request.user = user;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && roles.length > 0 && user.role !== 'admin' && !roles.includes(user.role)) {
      throw new Forbidden('auth.forbidden', `this endpoint is reserved to: ${roles.join(', ')}`);
    }
    return true;
  }
}
