import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Roles } from '../../../platform/http/request-context';
import { isUuid } from '../../../shared-kernel/ids';
import { RequestRefundHandler } from '../application/request-refund';
import { OrderNotFound } from '../domain/order';
import { RefundAcceptedSchema, RequestRefundSchema } from './order-lifecycle.schemas';

/** Admins give captured money back, in parts; never more than was captured in total. */
@ApiTags('ordering')
@Controller(`${API_V1}/orders`)
export class RefundsController {
  constructor(private readonly requestRefund: RequestRefundHandler) {}

  @Post(':id/refunds')
  @HttpCode(202)
  @Roles('admin')
  @Idempotent()
  @ApiOperation({
    summary: 'Refund part of what was captured (accepted: payment carries it out)',
    description:
      "The order lists the refund under `refunds` (requested, then completed or rejected) and adds it to `refundedTotal`; once everything captured is refunded the order's status is `refunded`.",
  })
  @ApiZodResponse(202, RefundAcceptedSchema, 'accepted: the refund is asked of payment')
  @ApiProblems(400, {
    404: ['ordering.order_not_found'],
    409: ['ordering.order_not_refundable', 'ordering.refund_exceeds_captured'],
  })
  async refund(
    @Param('id') id: string,
    @ValidBody(RequestRefundSchema) body: z.infer<typeof RequestRefundSchema>,
    @Meta() meta: CommandMeta,
  ): Promise<z.infer<typeof RefundAcceptedSchema>> {
    if (!isUuid(id)) throw new OrderNotFound(id);
    const refund = await this.requestRefund.execute({ orderId: id, amount: body.amount, note: body.reason }, meta);
    return { refundId: refund.refundId, orderId: refund.orderId, amount: refund.amount, status: 'requested' };
  }
}
