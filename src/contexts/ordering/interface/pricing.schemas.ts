import { z } from 'zod';
import { MoneyResponse as Money } from '../../../platform/http/openapi';
import { CountryCode, CouponCode, CurrencyCode as Currency, SingleLineText } from '../../../platform/http/text-schemas';

/** Request and response shapes of tax rates and coupons: validation, types and OpenAPI from one place. */

const MAX_MINOR_UNITS = 1_000_000_000_000;

export const SetTaxRateBody = z
  .object({
    country: CountryCode,
    rateBps: z.number().int().min(0).max(10_000).describe('basis points: 1900 = 19%, 825 = 8.25%'),
    name: SingleLineText(50).optional().describe('shown on the tax line, e.g. VAT (default: Tax)'),
  })
  .strict();

export const TaxRateResponse = z.object({ country: z.string(), rateBps: z.number().int(), name: z.string(), updatedAt: z.iso.datetime() });
export const TaxRateListResponse = z.object({ items: z.array(TaxRateResponse) });

const couponTerms = {
  code: CouponCode,
  minOrder: z
    .object({ amount: z.number().int().min(1).max(MAX_MINOR_UNITS), currency: Currency })
    .strict()
    .optional()
    .describe('the goods subtotal (before shipping, discount and tax) must reach it; orders in another currency cannot use the coupon'),
  expiresAt: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('the coupon is refused from this instant on; it must lie in the future (422 ordering.coupon_already_expired)'),
  usageLimit: z
    .number()
    .int()
    .min(1)
    .max(1_000_000_000)
    .optional()
    .describe('orders that may use it (cancelled orders give their use back)'),
};

export const CreateCouponBody = z
  .discriminatedUnion('type', [
    z
      .object({ ...couponTerms, type: z.literal('percentage'), value: z.number().int().min(1).max(100).describe('percent of the goods') })
      .strict(),
    z
      .object({
        ...couponTerms,
        type: z.literal('fixed'),
        value: z.number().int().min(1).max(MAX_MINOR_UNITS).describe('minor units of currency, at most the goods subtotal'),
        currency: Currency.describe('orders in another currency cannot use the coupon'),
      })
      .strict(),
  ])
  .refine((c) => c.type !== 'fixed' || !c.minOrder || c.minOrder.currency === c.currency, {
    message: 'minOrder must be in the currency of the coupon',
    path: ['minOrder', 'currency'],
  });

export const CouponResponse = z.object({
  code: z.string(),
  type: z.enum(['percentage', 'fixed']),
  value: z.number().int(),
  currency: z.string().optional(),
  minOrder: Money.optional(),
  expiresAt: z.iso.datetime().optional(),
  usageLimit: z.number().int().optional(),
  used: z.number().int().describe('orders holding a use now'),
  createdAt: z.iso.datetime(),
});

export const ListCouponsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const CouponPageResponse = z.object({ items: z.array(CouponResponse), nextCursor: z.string().nullable() });
