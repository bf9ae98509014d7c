import { Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { type AuthUser, CurrentUser, Idempotent, Meta, API_V1, Roles } from '../../../platform/http/request-context';
import { ZodPipe } from '../../../platform/http/zod.pipe';
import { Database } from '../../../platform/persistence/database';
import { AddCartItemHandler } from '../application/add-cart-item';
import { getCart } from '../application/carts.projection';
import { ChangeCartItemQuantityHandler } from '../application/change-cart-item-quantity';
import { RemoveCartItemHandler } from '../application/remove-cart-item';
import { Sku } from '../../catalog/contracts';
import { AddCartItemBody, CartResponse, ChangeCartItemQuantityBody } from './cart.schemas';

const SkuParam = new ZodPipe(Sku, 'cart.invalid_sku');

/** The caller's own cart (any signed-in role); the cart id is the user id, so nobody reaches another's cart. */
@Controller(`${API_V1}/cart`)
@Roles('customer')
export class CartsController {
  constructor(
    private readonly db: Database,
    private readonly addItem: AddCartItemHandler,
    private readonly changeQuantity: ChangeCartItemQuantityHandler,
    private readonly removeItem: RemoveCartItemHandler,
  ) {}

  @Get()
  @ApiZodResponse(200, CartResponse)
  get(@CurrentUser() user: AuthUser) {
    return getCart(this.db, user.id);
  }

  /** Adds to the quantity when the SKU is already in the cart (at most 99 per line). */
  @Post('items')
  @HttpCode(200)
  @Idempotent()
  @ApiZodResponse(200, CartResponse)
  @ApiProblems(400, 404, 409)
  add(@ValidBody(AddCartItemBody) body: z.infer<typeof AddCartItemBody>, @CurrentUser() user: AuthUser, @Meta() meta: CommandMeta) {
    return this.addItem.execute({ cartId: user.id, ...body }, meta);
  }

  @Put('items/:sku')
  @Idempotent()
  @ApiZodResponse(200, CartResponse)
  @ApiProblems(400, 404, 409)
  change(
    @Param('sku', SkuParam) sku: string,
    @ValidBody(ChangeCartItemQuantityBody) body: z.infer<typeof ChangeCartItemQuantityBody>,
    @CurrentUser() user: AuthUser,
    @Meta() meta: CommandMeta,
  ) {
    return this.changeQuantity.execute({ cartId: user.id, sku, quantity: body.quantity }, meta);
  }

  @Delete('items/:sku')
  @Idempotent()
  @ApiZodResponse(200, CartResponse)
  @ApiProblems(400, 404)
  remove(@Param('sku', SkuParam) sku: string, @CurrentUser() user: AuthUser, @Meta() meta: CommandMeta) {
    return this.removeItem.execute({ cartId: user.id, sku }, meta);
  }
}
