import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { ReadYourWrites } from '../../../platform/http/read-your-writes.interceptor';
import { API_V1, type AuthUser, CurrentUser, Idempotent, Meta, Roles } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { isUuid } from '../../../shared-kernel/ids';
import { ApproveReturnHandler } from '../application/approve-return';
import { mayActOn } from '../application/caller';
import { findReturns, getReturn, type ReturnView } from '../application/order-lifecycle.views';
import { getOrder } from '../application/orders.projection';
import { RequestReturnHandler } from '../application/request-return';
import { OrderNotFound } from '../domain/order';
import { ReturnNotFound } from '../domain/order-returns';
import { NoBodySchema, RequestReturnSchema, ReturnListSchema, ReturnSchema } from './order-lifecycle.schemas';

/** Customers send back goods of their delivered orders; staff approve the return, which refunds what they cost. */
@ApiTags('ordering')
@Controller(API_V1)
export class ReturnsController {
  constructor(
    private readonly db: Database,
    private readonly requestReturn: RequestReturnHandler,
    private readonly approveReturn: ApproveReturnHandler,
  ) {}

  @Post('orders/:id/returns')
  @HttpCode(201)
  @Roles('customer')
  @Idempotent()
  @ReadYourWrites()
  @ApiOperation({ summary: 'Ask to return lines of a delivered order (never more than delivered and not yet returned)' })
  @ApiZodResponse(201, ReturnSchema, 'the return, waiting for approval')
  @ApiProblems(400, {
    404: ['ordering.order_not_found'],
    409: ['ordering.order_not_returnable', 'ordering.return_exceeds_delivered'],
    422: ['ordering.return_line_not_in_order'],
  })
  async request(
    @Param('id') id: string,
    @ValidBody(RequestReturnSchema) body: z.infer<typeof RequestReturnSchema>,
    @CurrentUser() user: AuthUser,
    @Meta() meta: CommandMeta,
  ): Promise<ReturnView> {
    if (!isUuid(id)) throw new OrderNotFound(id);
    const { returnId } = await this.requestReturn.execute({ orderId: id, lines: body.lines, caller: user }, meta);
    return (await getReturn(this.db, returnId))!.view;
  }

  @Get('orders/:id/returns')
  @ApiOperation({ summary: "An order's returns, oldest first" })
  @ApiZodResponse(200, ReturnListSchema)
  @ApiProblems(401, { 404: ['ordering.order_not_found'] })
  async list(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<{ items: ReturnView[] }> {
    const found = isUuid(id) ? await getOrder(this.db, id) : undefined;
    if (!found || !mayActOn(user, found.customerId)) throw new OrderNotFound(id);
    return { items: await findReturns(this.db, id) };
  }

  @Post('returns/:id/approve')
  @HttpCode(200)
  @Roles('staff')
  @Idempotent()
  @ApiOperation({ summary: 'Approve a return: its goods go back on hand and what the customer paid for them is refunded' })
  @ApiZodResponse(200, ReturnSchema, 'the approved return, with its refund')
  @ApiProblems(400, { 404: ['ordering.return_not_found'], 409: ['ordering.order_not_returnable'] })
  async approve(
    @Param('id') id: string,
    @ValidBody(NoBodySchema) _body: z.infer<typeof NoBodySchema>,
    @Meta() meta: CommandMeta,
  ): Promise<ReturnView> {
    if (!isUuid(id)) throw new ReturnNotFound(id);
    await this.approveReturn.execute({ returnId: id }, meta);
    return (await getReturn(this.db, id))!.view;
  }
}
