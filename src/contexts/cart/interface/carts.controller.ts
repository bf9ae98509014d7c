import { applyDecorators, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { CART_TOKEN_HEADER } from '../../../platform/http/idempotency-keys';
import { CartTokenScoped } from '../../../platform/http/idempotency.interceptor';
import { ApiProblems, openApiSchema, ValidBody } from '../../../platform/http/openapi';
import { API_V1, headerOf, Idempotent, Meta, type OrderlyRequest, Public, RateLimited } from '../../../platform/http/request-context';
import { ZodPipe } from '../../../platform/http/zod.pipe';
import { Sku } from '../../catalog/contracts';
import { AddCartItemHandler, type CartWriteResult } from '../application/add-cart-item';
import type { CartCaller } from '../application/cart-writes';
import { CartViews } from '../application/cart-views';
import { ChangeCartItemQuantityHandler } from '../application/change-cart-item-quantity';
import { RefreshCartHandler } from '../application/refresh-cart';
import { RemoveCartItemHandler } from '../application/remove-cart-item';
import { AddCartItemBody, CartResponse, ChangeCartItemQuantityBody, RefreshCartResponse } from './cart.schemas';
import { Caller, CartCallerGuard } from './cart-caller';

const SkuParam = new ZodPipe(Sku, 'cart.invalid_sku');
const NOT_FOUND = 'cart.cart_not_found';
const CALLER_PROBLEMS = { 401: ['auth.unauthenticated'], 403: ['auth.forbidden'] };

/** A 200 answer with the cart; `X-Cart-Token` is set when the request created a guest cart. */
const ApiCart = (schema: z.ZodType) =>
  ApiResponse({
    status: 200,
    description: 'the cart',
    schema: openApiSchema(schema, 'output'),
    headers: {
      'X-Cart-Token': {
        description: 'only when this request created a guest cart: the token to send in X-Cart-Token from now on',
        schema: { type: 'string' },
      },
    },
  });

/** Carts are private to their holder and a guest's token must not linger in caches. */
const NoStore = () => Header('Cache-Control', 'no-store');

/** A guest without a cart token: the write creates a guest cart, which is limited more tightly than other writes. */
const startsGuestCart = (request: OrderlyRequest) => !request.user && !headerOf(request, CART_TOKEN_HEADER)?.trim();

/** Writes answer with the cart; the first write of a guest also hands out the new cart's token. */
const CartWrite = (schema: z.ZodType = CartResponse) =>
  applyDecorators(
    HttpCode(200),
    NoStore(),
    Idempotent(),
    CartTokenScoped(),
    RateLimited('cart-write', { policy: 'guest-cart', when: startsGuestCart }),
    ApiCart(schema),
  );

/**
 * The caller's cart: a signed-in customer's own (the cart id is the user id), or a guest's, reached only through the
 * token its first write handed out. Nobody reaches another's cart: an unknown token is 404, never another cart.
 */
@ApiTags('Cart')
@Controller(`${API_V1}/cart`)
@Public()
@UseGuards(CartCallerGuard)
@ApiHeader({
  name: 'X-Cart-Token',
  required: false,
  description:
    'Guests: the token the first write to the cart answered with (header X-Cart-Token). Ignored with a customer access token. ' +
    'An unknown, expired (30 days without a change) or merged token answers 404 cart.cart_not_found. ' +
    "A guest's Idempotency-Key is scoped to this token; without a token (the first add) the key is not used.",
})
export class CartsController {
  constructor(
    private readonly views: CartViews,
    private readonly addItem: AddCartItemHandler,
    private readonly changeQuantity: ChangeCartItemQuantityHandler,
    private readonly removeItem: RemoveCartItemHandler,
    private readonly refreshCart: RefreshCartHandler,
  ) {}

  @Get()
  @NoStore()
  @ApiOperation({ summary: 'The cart, each line compared with the current catalog price (empty for a guest without a token)' })
  @ApiCart(CartResponse)
  @ApiProblems({ ...CALLER_PROBLEMS, 404: [NOT_FOUND] })
  get(@Caller() caller: CartCaller, @Meta() meta: CommandMeta) {
    return this.views.ofCaller(caller, meta.now);
  }

  @Post('items')
  @CartWrite()
  @ApiOperation({ summary: 'Add an item at the current price; adds to the quantity of a SKU already in the cart (at most 99 per line)' })
  @ApiProblems(400, {
    ...CALLER_PROBLEMS,
    404: ['cart.unknown_sku', NOT_FOUND],
    409: ['cart.line_quantity_exceeded', 'cart.too_many_lines', 'cart.currency_mismatch'],
  })
  async add(
    @ValidBody(AddCartItemBody) body: z.infer<typeof AddCartItemBody>,
    @Caller() caller: CartCaller,
    @Meta() meta: CommandMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.answer(await this.addItem.execute({ caller, ...body }, meta), reply);
  }

  @Put('items/:sku')
  @CartWrite()
  @ApiOperation({ summary: 'Set the quantity of an item in the cart (its price snapshot is kept)' })
  @ApiProblems({
    ...CALLER_PROBLEMS,
    400: ['cart.invalid_sku'],
    404: ['cart.item_not_found', NOT_FOUND],
    409: ['cart.line_quantity_exceeded'],
  })
  async change(
    @Param('sku', SkuParam) sku: string,
    @ValidBody(ChangeCartItemQuantityBody) body: z.infer<typeof ChangeCartItemQuantityBody>,
    @Caller() caller: CartCaller,
    @Meta() meta: CommandMeta,
  ) {
    return (await this.changeQuantity.execute({ caller, sku, quantity: body.quantity }, meta)).cart;
  }

  @Delete('items/:sku')
  @CartWrite()
  @ApiOperation({ summary: 'Take an item out of the cart' })
  @ApiProblems({ ...CALLER_PROBLEMS, 400: ['cart.invalid_sku'], 404: ['cart.item_not_found', NOT_FOUND] })
  async remove(@Param('sku', SkuParam) sku: string, @Caller() caller: CartCaller, @Meta() meta: CommandMeta) {
    return (await this.removeItem.execute({ caller, sku }, meta)).cart;
  }

  @Post('refresh')
  @CartWrite(RefreshCartResponse)
  @ApiOperation({
    summary: 'Accept the current prices: re-quote every line and drop the items no longer sold; checkout then takes the cart',
  })
  @ApiProblems({ ...CALLER_PROBLEMS, 404: [NOT_FOUND] })
  async refresh(@Caller() caller: CartCaller, @Meta() meta: CommandMeta) {
    const { cart, repriced, dropped } = await this.refreshCart.execute({ caller }, meta);
    return { ...cart, repriced, dropped };
  }

  private answer({ cart, newCartToken }: CartWriteResult, reply: FastifyReply) {
    if (newCartToken) void reply.header(CART_TOKEN_HEADER, newCartToken);
    return cart;
  }
}
