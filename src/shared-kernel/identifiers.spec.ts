import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalCountryCode,
  canonicalCouponCode,
  canonicalEmail,
  canonicalIdentifier,
  COUNTRY_CODE,
  COUPON_CODE,
  CURRENCY_CODE,
  EMAIL,
  type IdentifierRule,
  LOWER_CASE_CODE,
  TRACKING_NUMBER,
  withoutSurroundingSpaces,
} from './identifiers';

/** Characters that some folding (case, NFKC) maps onto ASCII: each would let one identifier pose as another. */
const LOOKALIKES = [
  '\u212a', // Kelvin sign → k
  '\u212b', // Ångström sign → Å
  '\u017f', // long s → S
  '\u0130', // dotted capital I → i̇
  '\u0131', // dotless i → I
  '\u00df', // sharp s → SS
  '\ufb00', // ff ligature
  '\ufb01', // fi ligature
  '\uff21', // fullwidth A
  '\uff41', // fullwidth a
  '\u1e9e', // capital sharp s
  '\u2160', // Roman numeral one
  '\u00aa', // feminine ordinal → a
  '\u0410', // Cyrillic A
];
const RULES: [string, IdentifierRule][] = [
  ['email', EMAIL],
  ['coupon code', COUPON_CODE],
  ['country code', COUNTRY_CODE],
  ['currency code', CURRENCY_CODE],
  ['lower-case code', LOWER_CASE_CODE],
  ['tracking number', TRACKING_NUMBER],
];
const ASCII_PRINTABLE = /^[\u0020-\u007e]*$/;

/** Identifier-shaped input: real emails and codes, changed in case, padded, or with a look-alike slipped in. */
const emails = fc.oneof(fc.emailAddress(), fc.stringMatching(EMAIL.pattern));
const candidates = fc.oneof(
  emails,
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$/),
  fc.stringMatching(/^[A-Za-z]{2,3}$/),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc
    .tuple(emails, fc.constantFrom(...LOOKALIKES, ' ', '\t', '\n'), fc.nat())
    .map(([email, odd, at]) => email.slice(0, at % (email.length + 1)) + odd + email.slice(at % (email.length + 1))),
  fc.tuple(fc.constantFrom('', ' ', '  '), emails, fc.constantFrom('', ' ')).map((parts) => parts.join('')),
);

describe('identifier normalisation', () => {
  it.each(RULES)(
    '%s: the canonical form is ASCII, is its own canonical form, and differs from the input only by the documented folding',
    (_, rule) =>
      fc.assert(
        fc.property(candidates, (raw) => {
          const canonical = canonicalIdentifier(raw, rule);
          if (canonical === null) return;
          const given = withoutSurroundingSpaces(raw);
          expect(canonical).toMatch(ASCII_PRINTABLE);
          expect(canonicalIdentifier(canonical, rule)).toBe(canonical);
          expect(canonical.length).toBe(given.length);
          if (rule.fold === 'none') expect(canonical).toBe(given);
          else expect(canonical.toLowerCase()).toBe(given.toLowerCase());
        }),
      ),
  );

  it.each(RULES)('%s: two inputs share a canonical form only when they are the same up to spaces and ASCII case', (_, rule) =>
    fc.assert(
      fc.property(candidates, candidates, (a, b) => {
        const [ca, cb] = [canonicalIdentifier(a, rule), canonicalIdentifier(b, rule)];
        if (ca === null || ca !== cb) return;
        expect(withoutSurroundingSpaces(a).toLowerCase()).toBe(withoutSurroundingSpaces(b).toLowerCase());
      }),
    ),
  );

  it.each(RULES)('%s: an input holding a look-alike or a non-ASCII character is refused, never folded', (_, rule) =>
    fc.assert(
      fc.property(candidates, (raw) => {
        if (!ASCII_PRINTABLE.test(raw)) expect(canonicalIdentifier(raw, rule)).toBeNull();
      }),
    ),
  );

  it('emails: an accepted address is accepted again in any ASCII case, as the same address', () =>
    fc.assert(
      fc.property(fc.stringMatching(EMAIL.pattern, { size: 'small' }), (email) => {
        const canonical = canonicalEmail(email);
        if (email.length > EMAIL.maxLength) {
          expect(canonical).toBeNull();
          return;
        }
        expect(canonicalEmail(email.toUpperCase())).toBe(canonical);
        expect(canonical).toBe(email.toLowerCase());
      }),
    ));

  it('emails: the Kelvin sign, fullwidth letters, ligatures, ß and the dotted capital I are refused', () => {
    expect(canonicalEmail(' Kim@Example.com ')).toBe('kim@example.com');
    for (const email of [
      '\u212aim@example.com',
      '\uff4bim@example.com',
      '\ufb00@example.com',
      'stra\u00dfe@example.com',
      '\u0130nci@example.com',
    ])
      expect(canonicalEmail(email), email).toBeNull();
    expect(canonicalEmail('kim@example.com\n')).toBeNull();
  });

  it('coupon codes are checked as given, then upper-cased: ß-SALE is refused, never SS-SALE', () => {
    expect(canonicalCouponCode('spring-10')).toBe('SPRING-10');
    expect(canonicalCouponCode('\u00df-sale')).toBeNull();
    expect(canonicalCouponCode('\u00df-SALE')).toBeNull();
    expect(canonicalCouponCode('\ufb01rst-10')).toBeNull();
  });

  it('country codes are assigned ISO 3166-1 codes in either case', () => {
    expect(canonicalCountryCode('de')).toBe('DE');
    expect(canonicalCountryCode('XX')).toBeNull();
    expect(canonicalCountryCode('\u0130T')).toBeNull(); // dotted capital I + T would lower-case to "i̇t", upper-case to "İT"
    expect(canonicalCountryCode('\u0131t')).toBeNull(); // dotless i + t upper-cases to "IT"
  });
});
