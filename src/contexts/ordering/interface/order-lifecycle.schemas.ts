import { z } from 'zod';
import { Sku } from '../../catalog/contracts';
import { PARCEL_RETURN_REASONS } from '../../shipping/contracts';
import { MoneyResponse as MoneySchema } from '../../../platform/http/openapi';
import { LowerCaseCode, MultiLineText, TrackingNumber } from '../../../platform/http/text-schemas';

export const RefundSchema = z.object({
  id: z.uuid(),
  amount: MoneySchema,
  reason: z.enum(['cancellation', 'return', 'goodwill']),
  note: z.string().optional(),
  returnId: z.uuid().optional(),
  status: z.enum(['requested', 'completed', 'rejected']).describe('requested: payment has not answered yet'),
  requestedAt: z.iso.datetime(),
  settledAt: z.iso.datetime().optional().describe('when payment refunded or rejected it'),
});

export const ReturnLineSchema = z.object({ sku: z.string(), quantity: z.number().int() });

export const ReturnSchema = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  status: z.enum(['requested', 'approved']),
  lines: z.array(ReturnLineSchema),
  refund: MoneySchema.optional().describe('what the approval refunds (what the customer paid for these goods)'),
  requestedAt: z.iso.datetime(),
  approvedAt: z.iso.datetime().optional(),
});
export const ReturnListSchema = z.object({ items: z.array(ReturnSchema) });

/** What an order shows of its life after the checkout (part of OrderSchema). */
export const OrderLifecycleFields = {
  dispatch: z
    .object({ carrier: z.string(), trackingNumber: z.string(), requestedAt: z.iso.datetime() })
    .optional()
    .describe('status dispatching: the parcel being handed to the carrier; repeat the same ship request if it stays'),
  shipment: z.object({ carrier: z.string(), trackingNumber: z.string(), shippedAt: z.iso.datetime() }).optional(),
  deliveredAt: z.iso.datetime().optional(),
  parcelReturn: z
    .object({ reason: z.enum(PARCEL_RETURN_REASONS), reportedAt: z.iso.datetime() })
    .optional()
    .describe('the carrier reported the parcel intercepted (on its way back) or returned to sender (back); staff may then cancel'),
  interceptionFailedAt: z.iso
    .datetime()
    .optional()
    .describe('the carrier delivered the parcel after reporting it intercepted: on a cancelled order, the customer has goods and refund'),
  refundedTotal: MoneySchema.describe('refunded so far; the order is refunded once it equals the total'),
  refunds: z.array(RefundSchema),
  returns: z.array(ReturnSchema),
};

export const ShipOrderSchema = z
  .object({
    carrier: LowerCaseCode(50, 'a carrier code is lower-case words joined by dashes').describe('a carrier code shipping knows, e.g. dhl'),
    trackingNumber: TrackingNumber,
  })
  .strict();

/** Routes whose only input is the URL refuse any body field (status, customerId, amount…). */
export const NoBodySchema = z.object({}).strict().optional();

export const RequestRefundSchema = z
  .object({
    amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe("minor units of the order's currency"),
    reason: MultiLineText(500).optional().describe('a note for the customer and the books'),
  })
  .strict();

export const RefundAcceptedSchema = z.object({
  refundId: z.uuid(),
  orderId: z.uuid(),
  amount: MoneySchema,
  status: z.literal('requested'),
});

export const RequestReturnSchema = z
  .object({
    lines: z
      .array(z.object({ sku: Sku, quantity: z.number().int().positive().max(10_000) }).strict())
      .min(1)
      .max(100)
      .refine((lines) => new Set(lines.map((l) => l.sku)).size === lines.length, { message: 'each SKU at most once' }),
  })
  .strict();
