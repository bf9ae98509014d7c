import { COUNTRY_CODES } from './country-codes';

/**
 * Identifiers people type (emails, coupon codes, country and currency codes, slugs, tracking numbers): normalised
 * once, the same way at every entry. An identifier is checked as it is given, against an ASCII pattern; only then is
 * it folded, and the only foldings are dropping surrounding spaces and ASCII case (A–Z ↔ a–z) where its rule says so.
 *
 * Nothing else is folded, because a folding that maps two spellings onto one identifier can hand one person's account
 * or code to another: the Kelvin sign "K" (U+212A) lower-cases to "k", "ß" upper-cases to "SS", "ſ" to "S", fullwidth
 * letters and ligatures fold to ASCII under NFKC, and the dotted capital "İ" lower-cases to two code points. Every
 * such input fails the ASCII pattern and is refused instead. So an accepted identifier's canonical form is ASCII, is
 * its own canonical form, and differs from the input only by surrounding spaces and, where folded, letter case.
 */

export type IdentifierRule = {
  /** ASCII only, anchored, tested on the input without its surrounding spaces; no flags (it is also published in OpenAPI) */
  pattern: RegExp;
  maxLength: number;
  fold: 'lower' | 'upper' | 'none';
};

/** Surrounding spaces are never part of an identifier (forms and copy-paste add them). Other white space is refused. */
export const withoutSurroundingSpaces = (raw: string): string => raw.replace(/^ +| +$/g, '');

/** The identifier's case folding; meant for input its pattern accepted (ASCII), where it cannot change the length. */
export const foldIdentifier = (given: string, rule: IdentifierRule): string =>
  rule.fold === 'lower' ? given.toLowerCase() : rule.fold === 'upper' ? given.toUpperCase() : given;

/** The canonical form of an identifier, or null when the input is not one (it is then refused, never folded into one). */
export const canonicalIdentifier = (raw: string, rule: IdentifierRule): string | null => {
  const given = withoutSurroundingSpaces(raw);
  if (given.length > rule.maxLength || !rule.pattern.test(given)) return null;
  return foldIdentifier(given, rule);
};

/**
 * An email address: the common syntax of mailbox providers (zod's default), ASCII only, compared and stored in lower
 * case. Internationalised addresses (RFC 6531) are refused: their local parts have no case folding every provider
 * agrees on, and identity must not depend on one.
 */
export const EMAIL: IdentifierRule = {
  pattern: /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/,
  maxLength: 254,
  fold: 'lower',
};

/** A coupon code: 3–32 ASCII letters, digits, dashes or underscores, case-insensitive (kept upper-case). */
export const COUPON_CODE: IdentifierRule = { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$/, maxLength: 32, fold: 'upper' };

/** ISO 3166-1 alpha-2, case-insensitive (kept upper-case); also one of the assigned codes (`canonicalCountryCode`). */
export const COUNTRY_CODE: IdentifierRule = { pattern: /^[A-Za-z]{2}$/, maxLength: 2, fold: 'upper' };

/** ISO 4217, upper-case as given. */
export const CURRENCY_CODE: IdentifierRule = { pattern: /^[A-Z]{3}$/, maxLength: 3, fold: 'none' };

/** Category slugs, shipping method and carrier codes: lower-case words joined by dashes, as given. */
export const LOWER_CASE_CODE: IdentifierRule = { pattern: /^[a-z0-9]+(?:-[a-z0-9]+)*$/, maxLength: 64, fold: 'none' };

/** A carrier's tracking number: ASCII letters, digits, dots, dashes and underscores, as given. */
export const TRACKING_NUMBER: IdentifierRule = { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, maxLength: 100, fold: 'none' };

export const canonicalEmail = (raw: string): string | null => canonicalIdentifier(raw, EMAIL);

export const canonicalCouponCode = (raw: string): string | null => canonicalIdentifier(raw, COUPON_CODE);

export const canonicalCountryCode = (raw: string): string | null => {
  const code = canonicalIdentifier(raw, COUNTRY_CODE);
  return code !== null && COUNTRY_CODES.has(code) ? code : null;
};
