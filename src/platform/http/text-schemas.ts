import { z } from 'zod';
import {
  canonicalCountryCode,
  COUNTRY_CODE,
  COUPON_CODE,
  CURRENCY_CODE,
  EMAIL,
  foldIdentifier,
  type IdentifierRule,
  LOWER_CASE_CODE,
  TRACKING_NUMBER,
  withoutSurroundingSpaces,
} from '../../shared-kernel/identifiers';
import { POSTAL_ADDRESS_TEXT } from '../../shared-kernel/postal-address';
import { canonicalText, hasForbiddenCharacter, type TextKind, textProblemMessage } from '../../shared-kernel/text';

/**
 * The zod side of the text and identifier policy (shared-kernel text.ts and identifiers.ts): every controller takes
 * free text and identifiers through these builders. A refused character is reported as the issue code
 * `invalid_characters` on its field; lengths and patterns as zod's own `too_small`, `too_big` and `invalid_format`.
 */

const text = (kind: TextKind, min: number, max: number) =>
  z
    .string()
    .refine((raw) => !hasForbiddenCharacter(raw, kind), {
      message: textProblemMessage('characters', { kind, min, max }),
      abort: true,
      params: { code: 'invalid_characters' },
    })
    .overwrite((raw) => canonicalText(raw, kind))
    .min(min)
    .max(max);

/** One line shown to people or put into mails: a name, an address line, a label. Stored NFC and trimmed. */
export const SingleLineText = (max: number, { min = 1 }: { min?: number } = {}) => text('line', min, max);

/** Prose: a review, a note. Lines end in LF (CRLF is taken as LF). Stored NFC and trimmed. */
export const MultiLineText = (max: number, { min = 1 }: { min?: number } = {}) => text('multiline', min, max);

/**
 * An identifier checked as given (without surrounding spaces) against its ASCII pattern, then case-folded by its rule;
 * the first failed check is its field's only issue.
 */
export const identifier = (rule: IdentifierRule, message: string) =>
  z
    .string()
    .overwrite(withoutSurroundingSpaces)
    .max(rule.maxLength, { abort: true })
    .regex(rule.pattern, { message, abort: true })
    .overwrite((given) => foldIdentifier(given, rule));

/** Compared and stored in lower case; ASCII only, so no folding can turn one address into another's. */
export const EmailAddress = identifier(EMAIL, "an email address (ASCII letters, digits and . _ ' + - before the @)").meta({
  format: 'email',
});

/** Case-insensitive: kept upper-case. `ß-SALE` is refused, never read as `SS-SALE`. */
export const CouponCode = identifier(COUPON_CODE, 'a coupon code is 3-32 ASCII letters, digits, dashes or underscores');

/** ISO 3166-1 alpha-2 in either case, kept upper-case. */
export const CountryCode = identifier(COUNTRY_CODE, 'an ISO 3166-1 alpha-2 country code, e.g. DE')
  .refine((code) => canonicalCountryCode(code) === code, { message: 'must be an ISO 3166-1 alpha-2 country code' })
  .describe('ISO 3166-1 alpha-2, e.g. DE');

export const CurrencyCode = identifier(CURRENCY_CODE, 'an ISO 4217 code such as EUR');

/** Lower-case words joined by dashes: category slugs, shipping method and carrier codes. */
export const LowerCaseCode = (maxLength: number, message: string) => identifier({ ...LOWER_CASE_CODE, maxLength }, message);

export const TrackingNumber = identifier(TRACKING_NUMBER, 'a tracking number is ASCII letters, digits, dots, dashes or underscores');

const addressLine = (field: keyof typeof POSTAL_ADDRESS_TEXT) => SingleLineText(POSTAL_ADDRESS_TEXT[field].max);

/** The fields of a postal address, for bodies that add their own (the address book's phone and default flag). */
export const PostalAddressFields = {
  name: addressLine('name'),
  line1: addressLine('line1'),
  line2: addressLine('line2').optional(),
  city: addressLine('city'),
  postalCode: addressLine('postalCode'),
  country: CountryCode,
};

/** The one address input of the API: checkout, the address book, anything that takes an address. */
export const PostalAddress = z.object(PostalAddressFields).strict();

/** A postal address as responses show it. */
export const PostalAddressResponse = z.object({
  name: z.string(),
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string(),
});
