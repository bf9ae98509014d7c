import { z } from 'zod';
import { COUNTRY_CODES } from '../../../shared-kernel/country-codes';
import { MoneyResponse as Money } from '../../../platform/http/openapi';
import { TRACKING_STATUSES } from '../domain/shipment';
import {
  CountryCode,
  CurrencyCode as Currency,
  LowerCaseCode,
  PostalAddressResponse,
  SingleLineText,
  TrackingNumber,
} from '../../../platform/http/text-schemas';

/** Request and response shapes of the shipping API: validation, types and OpenAPI from one place. */

const Amount = z.number().int().min(0).max(10_000_000).describe('integer minor units of the method currency');
const Grams = z.number().int().min(1).max(1_000_000).describe('grams');

export const MethodCode = LowerCaseCode(40, 'a method code is lower-case words joined by dashes');

const Countries = z
  .union([z.literal('all'), z.array(CountryCode).min(1).max(COUNTRY_CODES.size)])
  .describe('"all", or the ISO 3166-1 alpha-2 codes the method ships to');

export const RateBody = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('flat'), amount: Amount, maxWeightGrams: Grams.optional() }).strict(),
    z
      .object({
        type: z.literal('weight'),
        base: Amount,
        perKg: Amount.describe('per kilogram, charged per gram and rounded up to the next minor unit'),
        maxWeightGrams: Grams.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal('brackets'),
        brackets: z
          .array(z.object({ upToGrams: Grams, amount: Amount }).strict())
          .min(1)
          .max(20)
          .describe('ascending; a parcel costs the first bracket it fits in, and heavier than the last is not accepted'),
      })
      .strict(),
  ])
  .describe('flat | weight (base + perKg) | brackets');

export const CreateShippingMethodBody = z
  .object({
    code: MethodCode,
    name: SingleLineText(100),
    countries: Countries,
    currency: Currency,
    rate: RateBody,
    freeOver: Amount.optional().describe('the method is free from this order subtotal on'),
  })
  .strict();

export const ReviseShippingMethodBody = z
  .object({
    name: SingleLineText(100).optional(),
    countries: Countries.optional(),
    currency: Currency.optional(),
    rate: RateBody.optional(),
    freeOver: Amount.nullable().optional().describe('null removes the threshold'),
    active: z.boolean().optional().describe('false retires the method: it is no longer listed or quoted'),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'at least one field is needed');

export const ListShippingMethodsQuery = z
  .object({
    country: CountryCode.describe('destination, ISO 3166-1 alpha-2'),
    weightGrams: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('parcel weight in grams'),
    currency: Currency.optional().describe('only methods priced in this currency'),
    subtotal: z.coerce.number().int().min(0).max(1_000_000_000_000).optional().describe('order subtotal (minor units) for free shipping'),
  })
  .strict();

export const TrackingEventBody = z.object({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, "the carrier's event id"),
  trackingNumber: TrackingNumber,
  status: z
    .enum(TRACKING_STATUSES)
    .describe(
      'intercepted: stopped on its way, going back to the shop; returned_to_sender: back at the shop (final); delivered after intercepted: the interception failed',
    ),
  occurredAt: z.iso.datetime({ offset: true }),
});

export const ShippingMethodResponse = z.object({
  code: z.string(),
  name: z.string(),
  countries: z.union([z.literal('all'), z.array(z.string())]),
  currency: z.string(),
  rate: RateBody,
  freeOver: z.number().int().optional(),
  active: z.boolean(),
});

export const ShippingOffersResponse = z.object({
  items: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      price: Money,
      freeOver: Money.optional(),
      maxWeightGrams: z.number().int().optional(),
    }),
  ),
});

const Status = z.enum(['dispatched', ...TRACKING_STATUSES]);
export const ShipmentResponse = z.object({
  shipmentId: z.string(),
  orderId: z.string(),
  carrier: z.string(),
  trackingNumber: z.string(),
  status: Status,
  address: PostalAddressResponse,
  dispatchedAt: z.string(),
  deliveredAt: z.string().nullable(),
  interceptionFailedAt: z.string().nullable().describe('the carrier delivered the parcel after it had reported it intercepted'),
  history: z.array(z.object({ status: Status, occurredAt: z.string(), recordedAt: z.string(), carrierEventId: z.string().nullable() })),
});
