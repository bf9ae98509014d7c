import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiProblems, ApiZodResponse, ValidQuery } from '../../../platform/http/openapi';
import { API_V1, Roles } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { InvalidInput } from '../../../shared-kernel/errors';
import { decodeCursor, findOrders, type OrderPage } from '../application/orders.projection';
import { ORDER_STATUSES } from '../domain/order-status';
import { OrderPageSchema } from './orders.controller';

const DAY_MS = 86_400_000;

const LATEST = Date.parse('9999-01-01T00:00:00Z');
const msOf = (value: string): number => Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);

/** An ISO date (a whole UTC day) or an instant with offset; `from` starts at it, `to` ends with its day. */
const Instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .refine((value) => msOf(value) >= 0 && msOf(value) < LATEST, { message: 'a date between 1970 and 9998' });
const startOf = (value: string): string => new Date(msOf(value)).toISOString();
const endOf = (value: string): string => new Date(msOf(value) + (value.length === 10 ? DAY_MS : 0)).toISOString();

export const AdminOrdersQuery = z
  .object({
    status: z.enum(ORDER_STATUSES).optional(),
    from: Instant.optional().describe('placed at or after (a date means from its start, UTC)'),
    to: Instant.optional().describe('placed before (a date means up to its end, UTC)'),
    customer: z.string().trim().min(1).max(100).optional().describe("the customer's user id"),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
  })
  .strict();

/** Every customer's orders for staff, filtered, newest first. */
@ApiTags('ordering')
@Controller(`${API_V1}/admin/orders`)
export class AdminOrdersController {
  constructor(private readonly db: Database) {}

  @Get()
  @Roles('staff')
  @ApiOperation({ summary: 'Orders by status, placing date and customer, newest first (cursor pagination)' })
  @ApiZodResponse(200, OrderPageSchema)
  @ApiProblems({ 400: ['request.invalid', 'ordering.invalid_cursor'] })
  async list(@ValidQuery(AdminOrdersQuery) query: z.infer<typeof AdminOrdersQuery>): Promise<OrderPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new InvalidInput('ordering.invalid_cursor', 'the cursor is not valid');
    const filter = {
      ...(query.customer !== undefined ? { customerId: query.customer } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.from !== undefined ? { placedFrom: startOf(query.from) } : {}),
      ...(query.to !== undefined ? { placedTo: endOf(query.to) } : {}),
    };
    return findOrders(this.db, filter, { limit: query.limit, after });
  }
}
