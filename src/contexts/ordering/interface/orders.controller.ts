import { Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody, ValidQuery, MoneyResponse as MoneySchema } from '../../../platform/http/openapi';
import { PostalAddressResponse } from '../../../platform/http/text-schemas';
import { ReadYourWrites } from '../../../platform/http/read-your-writes.interceptor';
import { API_V1, type AuthUser, CurrentUser, Idempotent, Meta } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { ReadDatabase } from '../../../platform/persistence/read-database';
import { InvalidInput } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import { OrderNotFound } from '../domain/order';
import { decodeCursor, findOrders, getOrder, type OrderPage, type OrderView } from '../application/orders.projection';
import { mayActOn } from '../application/caller';
import { type FoundOrder, OrderOutcomes } from '../application/order-outcomes';
import { ApiPreferWait, applyWait, PreferredWait } from '../../../platform/http/prefer-wait';
import { RequestCancellationHandler } from '../application/request-cancellation';
import { ORDER_STATUSES } from '../domain/order-status';
import { NoBodySchema, OrderLifecycleFields } from './order-lifecycle.schemas';

export const OrderSchema = z.object({
  id: z.uuid(),
  status: z.enum(ORDER_STATUSES),
  lines: z.array(
    z.object({
      sku: z.string(),
      productId: z.uuid().optional().describe('the product the SKU is a variant of; absent on orders placed before variants existed'),
      name: z.string(),
      quantity: z.number().int(),
      unitPrice: MoneySchema,
    }),
  ),
  charges: z
    .array(z.object({ kind: z.enum(['shipping', 'discount', 'tax']), label: z.string(), amount: MoneySchema }))
    .describe('what the order adds to its lines: shipping, discount (negative), tax; [] on orders placed before checkout pricing'),
  subtotal: MoneySchema.describe('the lines alone'),
  total: MoneySchema.describe('subtotal plus charges: what the payment authorizes'),
  couponCode: z.string().optional(),
  shippingMethod: z.string().optional().describe('absent on orders placed before shipping methods'),
  shippingAddress: PostalAddressResponse,
  cancellationReason: z
    .string()
    .optional()
    .describe('out_of_stock, payment_declined, payment_failed, timeout, cancelled_by_customer or cancelled_by_staff'),
  placedAt: z.iso.datetime(),
  ...OrderLifecycleFields,
});
export const OrderPageSchema = z.object({ items: z.array(OrderSchema), nextCursor: z.string().nullable() });

export const ListOrdersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
  })
  .strict();

/** A customer's own orders; staff and admins may read any order. Another customer's order is reported as not found. */
@ApiTags('ordering')
@Controller(`${API_V1}/orders`)
export class OrdersController {
  constructor(
    private readonly db: Database,
    private readonly reads: ReadDatabase,
    private readonly cancellation: RequestCancellationHandler,
    private readonly outcomes: OrderOutcomes,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's orders, newest first (cursor pagination)" })
  @ApiZodResponse(200, OrderPageSchema)
  @ApiProblems({ 400: ['ordering.invalid_cursor'] })
  async list(@ValidQuery(ListOrdersQuery) query: z.infer<typeof ListOrdersQuery>, @CurrentUser() user: AuthUser): Promise<OrderPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new InvalidInput('ordering.invalid_cursor', 'the cursor is not valid');
    return findOrders(await this.reads.forUser(user.id), { customerId: user.id }, { limit: query.limit, after });
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One order: status, shipment, delivery, refunds and returns',
    description:
      'With `Prefer: wait=N` a placed order is answered as soon as its checkout ends (confirmed or cancelled), or after ' +
      'N seconds as it stands: no need to poll.',
  })
  @ApiPreferWait('the checkout of a placed order has ended (confirmed or cancelled)')
  @ApiZodResponse(200, OrderSchema)
  @ApiProblems(401, { 404: ['ordering.order_not_found'] })
  async get(
    @Param('id') id: string,
    @CurrentUser() user: AuthUser,
    @PreferredWait() wait: number | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    const visible = (order: FoundOrder) => mayActOn(user, order.customerId);
    const found = !isUuid(id)
      ? undefined
      : wait === undefined
        ? await getOrder(this.db, id)
        : await this.outcomes.afterCheckout(id, wait * 1000, visible);
    if (!found || !visible(found)) throw new OrderNotFound(id);
    if (wait !== undefined) applyWait(reply, wait);
    return found.order;
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Idempotent()
  @ReadYourWrites()
  @ApiOperation({
    summary: 'Cancel an order: the customer until it ships; staff until it ships, or once its parcel comes back',
    description:
      'A placed order (checkout still running) is cancelled at once: the checkout ends and undoes what it did (stock ' +
      'released, payment voided; a capture that still lands is refunded). A confirmed order is cancelled at once and ' +
      'what was captured is refunded: `refunds` shows the refund requested, and the order becomes `refunded` when ' +
      'payment has paid it back. Goods that left are returned, not cancelled: a shipped or delivered order answers 409 ' +
      '`ordering.order_shipped` (once delivered, the customer asks for a return: `POST /api/v1/orders/{id}/returns`), ' +
      'except that staff may cancel a shipped order once the carrier reported its parcel intercepted or returned to ' +
      'sender (`parcelReturn`): then it is refunded and restocked like a confirmed one.',
  })
  @ApiZodResponse(200, OrderSchema, 'the cancelled order')
  @ApiProblems(400, 401, { 404: ['ordering.order_not_found'], 409: ['ordering.order_not_cancellable', 'ordering.order_shipped'] })
  async cancel(
    @Param('id') id: string,
    @ValidBody(NoBodySchema) _body: z.infer<typeof NoBodySchema>,
    @CurrentUser() user: AuthUser,
    @Meta() meta: CommandMeta,
  ): Promise<OrderView> {
    if (!isUuid(id)) throw new OrderNotFound(id);
    await this.cancellation.execute({ orderId: id, caller: user }, meta);
    return (await getOrder(this.db, id))!.order;
  }
}
