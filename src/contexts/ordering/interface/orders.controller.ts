import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiProblems, ApiZodResponse, ValidQuery } from '../../../platform/http/openapi';
import { API_V1, type AuthUser, CurrentUser } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { InvalidInput } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import { OrderNotFound } from '../domain/order';
import { decodeCursor, findOrders, getOrder, type OrderPage, type OrderView } from '../application/orders.projection';

const MoneySchema = z.object({ amount: z.number().int(), currency: z.string().length(3) });
export const OrderSchema = z.object({
  id: z.uuid(),
  status: z.enum(['placed', 'confirmed', 'cancelled']),
  lines: z.array(z.object({ sku: z.string(), name: z.string(), quantity: z.number().int(), unitPrice: MoneySchema })),
  total: MoneySchema,
  shippingAddress: z.object({
    name: z.string(),
    line1: z.string(),
    line2: z.string().optional(),
    city: z.string(),
    postalCode: z.string(),
    country: z.string(),
  }),
  cancellationReason: z.string().optional().describe('out_of_stock, payment_declined, payment_failed or timeout'),
  placedAt: z.iso.datetime(),
});
export const OrderPageSchema = z.object({ items: z.array(OrderSchema), nextCursor: z.string().nullable() });

export const ListOrdersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
  })
  .strict();

/** A customer's own orders; admins may read any order. Another customer's order is reported as not found. */
@ApiTags('ordering')
@Controller(`${API_V1}/orders`)
export class OrdersController {
  constructor(private readonly db: Database) {}

  @Get()
  @ApiOperation({ summary: "The caller's orders, newest first (cursor pagination)" })
  @ApiZodResponse(200, OrderPageSchema)
  @ApiProblems(400, 401)
  async list(@ValidQuery(ListOrdersQuery) query: z.infer<typeof ListOrdersQuery>, @CurrentUser() user: AuthUser): Promise<OrderPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new InvalidInput('ordering.invalid_cursor', 'the cursor is not valid');
    return findOrders(this.db, user.id, { limit: query.limit, after });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One order, with its status and cancellation reason' })
  @ApiZodResponse(200, OrderSchema)
  @ApiProblems(401, 404)
  async get(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<OrderView> {
    const found = isUuid(id) ? await getOrder(this.db, id) : undefined;
    if (!found || (found.customerId !== user.id && user.role !== 'admin')) throw new OrderNotFound(id);
    return found.order;
  }
}
