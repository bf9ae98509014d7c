import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalCountryCode, canonicalCouponCode, canonicalEmail } from '../../shared-kernel/identifiers';
import { checkText } from '../../shared-kernel/text';
import { CountryCode, CouponCode, EmailAddress, MultiLineText, PostalAddress, SingleLineText } from './text-schemas';
import { ZodPipe } from './zod.pipe';

const anyText = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('\r\n', '\n', '\u202e', ' ', 'A', 'ß', '\u212a'),
  ),
  maxLength: 30,
});
const outcome = (parsed: z.ZodSafeParseResult<string>) => (parsed.success ? parsed.data : null);
const valid = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'gb' };

describe('the zod schemas of the text policy', () => {
  it('accept exactly what the shared-kernel functions accept, in the same canonical form', () =>
    fc.assert(
      fc.property(anyText, (raw) => {
        const line = checkText(raw, { kind: 'line', min: 1, max: 20 });
        expect(outcome(SingleLineText(20).safeParse(raw))).toBe(line.ok ? line.text : null);
        const prose = checkText(raw, { kind: 'multiline', min: 1, max: 20 });
        expect(outcome(MultiLineText(20).safeParse(raw))).toBe(prose.ok ? prose.text : null);
        expect(outcome(EmailAddress.safeParse(raw))).toBe(canonicalEmail(raw));
        expect(outcome(CouponCode.safeParse(raw))).toBe(canonicalCouponCode(raw));
        expect(outcome(CountryCode.safeParse(raw))).toBe(canonicalCountryCode(raw));
      }),
    ));

  it('report each refused field of an address with its path and the issue code invalid_characters', () => {
    const pipe = new ZodPipe(z.object({ shippingAddress: PostalAddress }));
    const body = { shippingAddress: { ...valid, name: 'Ada\r\nBcc: x@example.com', line1: '12 \u001b[2J', city: 'Lon\u202edon' } };
    expect(() => pipe.transform(body)).toThrow(
      expect.objectContaining({
        code: 'request.invalid',
        details: {
          errors: ['name', 'line1', 'city'].map((field) =>
            expect.objectContaining({ path: `shippingAddress.${field}`, code: 'invalid_characters' }),
          ),
        },
      }),
    );
  });

  it('keep an address in its canonical form', () => {
    expect(PostalAddress.parse({ ...valid, name: ' Zoe\u0308 N\u0303u\u0301n\u0303ez ' })).toEqual({
      ...valid,
      name: 'Zoë Ñúñez',
      country: 'GB',
    });
  });
});
