import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, type AuthUser, CurrentUser, Idempotent, Meta, RateLimited, Roles } from '../../../platform/http/request-context';
import { CouponCode, LowerCaseCode, PostalAddress } from '../../../platform/http/text-schemas';
import { PlaceOrderHandler } from '../application/place-order';

export const CheckoutSchema = z
  .object({
    paymentToken: z.string().min(1).max(200).describe("the payment provider's token (never a card number)"),
    shippingAddress: PostalAddress,
    shippingMethod: LowerCaseCode(40, 'a shipping method code, as GET /api/v1/shipping-methods?country= lists them'),
    couponCode: CouponCode.optional().describe('case-insensitive'),
  })
  .strict();

export const CheckoutAcceptedSchema = z.object({ orderId: z.uuid() });

/**
 * Checkout: turns the caller's cart into an order priced with shipping, coupon and tax, and starts its checkout for
 * the grand total; the outcome shows on GET /orders/:id.
 */
@ApiTags('ordering')
@Controller(`${API_V1}/checkout`)
export class CheckoutController {
  constructor(private readonly placeOrder: PlaceOrderHandler) {}

  @Post()
  @HttpCode(202)
  @Roles('customer')
  @RateLimited('checkout')
  @Idempotent({ required: true })
  @ApiOperation({ summary: 'Place an order from the cart and start its checkout (Idempotency-Key required)' })
  @ApiZodResponse(202, CheckoutAcceptedSchema, 'accepted: the order is placed, its checkout runs')
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
  checkout(
    @ValidBody(CheckoutSchema) body: z.infer<typeof CheckoutSchema>,
    @CurrentUser() user: AuthUser,
    @Meta() meta: CommandMeta,
  ): Promise<{ orderId: string }> {
    return this.placeOrder.execute({ customerId: user.id, ...body }, meta);
  }
}
