import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, type AuthUser, CurrentUser, Idempotent, Meta, Roles } from '../../../platform/http/request-context';
import { PlaceOrderHandler } from '../application/place-order';
import { COUNTRY_CODES } from '../../../shared-kernel/country-codes';

const text = (max: number) => z.string().trim().min(1).max(max);

export const ShippingAddressSchema = z
  .object({
    name: text(200),
    line1: text(200),
    line2: text(200).optional(),
    city: text(100),
    postalCode: text(20),
    country: z
      .string()
      .trim()
      .length(2)
      .transform((c) => c.toUpperCase())
      .refine((c) => COUNTRY_CODES.has(c), { message: 'must be an ISO 3166-1 alpha-2 country code' })
      .describe('ISO 3166-1 alpha-2, e.g. DE'),
  })
  .strict();

export const CheckoutSchema = z
  .object({
    paymentToken: z.string().min(1).max(200).describe("the payment provider's token (never a card number)"),
    shippingAddress: ShippingAddressSchema,
  })
  .strict();

export const CheckoutAcceptedSchema = z.object({ orderId: z.uuid() });

/** Checkout: turns the caller's cart into an order and starts its checkout; the outcome shows on GET /orders/:id. */
@ApiTags('ordering')
@Controller(`${API_V1}/checkout`)
export class CheckoutController {
  constructor(private readonly placeOrder: PlaceOrderHandler) {}

  @Post()
  @HttpCode(202)
  @Roles('customer')
  @Idempotent({ required: true })
  @ApiOperation({ summary: 'Place an order from the cart and start its checkout (Idempotency-Key required)' })
  @ApiZodResponse(202, CheckoutAcceptedSchema, 'accepted: the order is placed, its checkout runs')
  @ApiProblems(400, 401, 403, 409, 422)
  checkout(
    @ValidBody(CheckoutSchema) body: z.infer<typeof CheckoutSchema>,
    @CurrentUser() user: AuthUser,
    @Meta() meta: CommandMeta,
  ): Promise<{ orderId: string }> {
    return this.placeOrder.execute({ customerId: user.id, paymentToken: body.paymentToken, shippingAddress: body.shippingAddress }, meta);
  }
}
