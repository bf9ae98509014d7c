import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { InvalidAccessToken } from '../../../platform/http/access-tokens';
import { CART_TOKEN_HEADER } from '../../../platform/http/idempotency-keys';
import { carriesCredentials, headerOf, type OrderlyRequest } from '../../../platform/http/request-context';
import { Forbidden } from '../../../shared-kernel/errors';
import type { CartCaller } from '../application/cart-writes';

type CartRequest = OrderlyRequest & { cartCaller?: CartCaller };

/**
 * Decides whose cart a request on the (public) cart routes acts on, before anything else runs: a signed-in customer's
 * own cart (any X-Cart-Token is then ignored), else the guest cart named by X-Cart-Token. Credentials that were sent
 * but are not valid are refused (401) rather than silently treated as a guest; staff, admins and API keys get 403.
 */
@Injectable()
export class CartCallerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<CartRequest>();
    const { user } = request;
    if (user) {
      if (user.role !== 'customer') throw new Forbidden('auth.forbidden', 'carts are for customers and guests');
      request.cartCaller = { kind: 'customer', customerId: user.id };
      return true;
    }
    if (carriesCredentials(request)) throw new InvalidAccessToken();
    const cartToken = headerOf(request, CART_TOKEN_HEADER)?.trim() || undefined;
    request.cartCaller = { kind: 'guest', ...(cartToken !== undefined ? { cartToken } : {}) };
    return true;
  }
}

/** The caller `CartCallerGuard` resolved. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): CartCaller => {
  const caller = ctx.switchToHttp().getRequest<CartRequest>().cartCaller;
  if (!caller) throw new Error('cart caller missing: CartCallerGuard is not installed on this route');
  return caller;
});
