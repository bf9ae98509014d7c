import { Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { ReadYourWrites } from '../../../platform/http/read-your-writes.interceptor';
import { API_V1, type AuthUser, CurrentUser, Idempotent, Meta, RateLimited, Roles } from '../../../platform/http/request-context';
import { CouponCode, LowerCaseCode, PostalAddress } from '../../../platform/http/text-schemas';
import { ApiPreferWait, applyWait, PreferredWait } from '../../../platform/http/prefer-wait';
import { OrderOutcomes } from '../application/order-outcomes';
import { PlaceOrderHandler } from '../application/place-order';
import { ORDER_STATUSES } from '../domain/order-status';

export const CheckoutSchema = z
  .object({
    paymentToken: z.string().min(1).max(200).describe("the payment provider's token (never a card number)"),
    shippingAddress: PostalAddress,
    shippingMethod: LowerCaseCode(40, 'a shipping method code, as GET /api/v1/shipping-methods?country= lists them'),
    couponCode: CouponCode.optional().describe('case-insensitive'),
  })
  .strict();

export const CheckoutAcceptedSchema = z.object({
  orderId: z.uuid(),
  status: z.enum(ORDER_STATUSES).describe('placed while the checkout runs; with `Prefer: wait=N`, confirmed or cancelled once it ended'),
  cancellationReason: z.string().optional().describe('why a cancelled checkout failed (see GET /api/v1/orders/{id})'),
});

/**
 * Checkout: turns the caller's cart into an order priced with shipping, coupon and tax, and starts its checkout for
 * the grand total; the outcome shows on GET /orders/:id, or in the answer itself with `Prefer: wait=N`.
 */
@ApiTags('ordering')
@Controller(`${API_V1}/checkout`)
export class CheckoutController {
  constructor(
    private readonly placeOrder: PlaceOrderHandler,
    private readonly outcomes: OrderOutcomes,
  ) {}

  @Post()
  @HttpCode(202)
  @Roles('customer')
  @RateLimited('checkout')
  @Idempotent({ required: true })
  @ReadYourWrites()
  @ApiOperation({
    summary: 'Place an order from the cart and start its checkout (Idempotency-Key required)',
    description:
      'With `Prefer: wait=N` the answer comes once the checkout has ended (status confirmed or cancelled), or after N ' +
      'seconds with status placed: a client need not poll. A repeat of the request while the first still waits gets 409.',
  })
  @ApiPreferWait('the checkout has ended (the order is confirmed or cancelled)')
  @ApiZodResponse(202, CheckoutAcceptedSchema, 'accepted: the order is placed; its checkout runs, or has ended when waited for')
  @ApiProblems(400, 401, 403, {
    409: ['cart.price_changed', 'cart.item_unavailable', 'ordering.cart_already_ordered', 'ordering.item_unavailable'],
    422: [
      'ordering.empty_cart',
      'ordering.shipping_method_unavailable',
      'ordering.coupon_invalid',
      'ordering.coupon_expired',
      'ordering.coupon_currency_mismatch',
      'ordering.coupon_min_order_not_met',
      'ordering.coupon_exhausted',
    ],
  })
  async checkout(
    @ValidBody(CheckoutSchema) body: z.infer<typeof CheckoutSchema>,
    @CurrentUser() user: AuthUser,
    @Meta() meta: CommandMeta,
    @PreferredWait() wait: number | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.infer<typeof CheckoutAcceptedSchema>> {
    const { orderId } = await this.placeOrder.execute({ customerId: user.id, ...body }, meta);
    if (wait === undefined) return { orderId, status: 'placed' };
    applyWait(reply, wait);
    const order = (await this.outcomes.afterCheckout(orderId, wait * 1000))?.order;
    return {
      orderId,
      status: order?.status ?? 'placed',
      ...(order?.cancellationReason ? { cancellationReason: order.cancellationReason } : {}),
    };
  }
}
