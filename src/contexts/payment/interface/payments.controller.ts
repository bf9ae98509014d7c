import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiProblems, ApiZodResponse } from '../../../platform/http/openapi';
import { API_V1, Roles } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { getPayment, type PaymentView } from '../application/payment-ledger.projection';
import { PaymentNotFound } from '../domain/payment';

const Minor = z.number().int().describe('minor units of `currency`');
export const PaymentSchema = z.object({
  orderId: z.string(),
  status: z.enum(['authorized', 'captured', 'partially_refunded', 'refunded', 'voided', 'declined', 'failed']),
  currency: z.string().length(3).nullable().describe('null only for a payment voided before any amount was known'),
  authorized: Minor,
  captured: Minor,
  refunded: Minor,
  entries: z.array(
    z.object({
      kind: z.enum(['authorized', 'declined', 'failed', 'capture_refused', 'captured', 'voided', 'refunded']),
      amount: Minor.nullable(),
      providerRef: z.string().nullable(),
      refundId: z.string().nullable(),
      reason: z.string().nullable(),
      at: z.iso.datetime(),
    }),
  ),
});

/** Staff's view of an order's payment: its status, totals and every movement, from the ledger projection. */
@ApiTags('payment')
@Controller(`${API_V1}/payments`)
export class PaymentsController {
  constructor(private readonly db: Database) {}

  @Get(':orderId')
  @Roles('staff')
  @ApiOperation({ summary: "An order's payment: status, authorized/captured/refunded totals and its ledger, oldest first" })
  @ApiZodResponse(200, PaymentSchema)
  @ApiProblems({ 404: ['payment.payment_not_found'] })
  async get(@Param('orderId') orderId: string): Promise<PaymentView> {
    const found = orderId.length <= 100 ? await getPayment(this.db, orderId) : undefined;
    if (!found) throw new PaymentNotFound(orderId);
    return found;
  }
}
