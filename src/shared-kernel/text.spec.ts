import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalText, checkText, displayLine, hasForbiddenCharacter, type TextKind, type TextRule } from './text';

/** The refused characters, spelt out independently of the implementation's regular expression. */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
const REFUSED_EVERYWHERE = [
  ...range(0x00, 0x09), // C0 before LF, TAB and BEL among them
  ...range(0x0b, 0x1f), // C0 after LF: CR, ESC…
  ...range(0x7f, 0x9f), // DEL, C1
  '\u2028',
  '\u2029',
  ...range(0x202a, 0x202e), // LRE RLE PDF LRO RLO
  ...range(0x2066, 0x2069), // LRI RLI FSI PDI
  ...range(0xfdd0, 0xfdef),
  '\ufffe',
  '\uffff',
  ...Array.from({ length: 16 }, (_, i) => [
    String.fromCodePoint((i + 1) * 0x10000 + 0xfffe),
    String.fromCodePoint((i + 1) * 0x10000 + 0xffff),
  ]).flat(),
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u00ad', // soft hyphen
  ...range(0x200b, 0x200b), // zero-width space
  ...range(0x2060, 0x2064), // word joiner, invisible operators
  '\ufeff', // a byte order mark inside the text
  ...range(0xfff9, 0xfffb), // interlinear annotation
  String.fromCodePoint(0xe0001),
  String.fromCodePoint(0xe0041), // tag characters (hidden text)
];
/** Invisible, but needed: joiners shape Indic and Persian script, direction marks right-to-left names. */
const FORMAT_CHARACTERS_KEPT = ['\u200c', '\u200d', '\u200e', '\u200f', '\u061c'];
const REFUSED: Record<TextKind, string[]> = { line: [...REFUSED_EVERYWHERE, '\n'], multiline: REFUSED_EVERYWHERE };
const KINDS: TextKind[] = ['line', 'multiline'];

/** Any code point, lone surrogates included, and a good share of the characters the policy is about. */
const anyText = fc.string({
  unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom(...REFUSED.line, '\r\n', ' ', 'e\u0301', 'Å')),
  maxLength: 40,
});
const wellFormedText = anyText.filter((text) => text.isWellFormed());
const rule = (kind: TextKind): TextRule => ({ kind, min: 1, max: 30 });

describe('the text policy', () => {
  it.each(KINDS)('%s: canonicalising is idempotent', (kind) =>
    fc.assert(
      fc.property(anyText, (text) => {
        expect(canonicalText(canonicalText(text, kind), kind)).toBe(canonicalText(text, kind));
      }),
    ),
  );

  it.each(KINDS)('%s: an accepted text is canonical, within its limits, and accepted again unchanged', (kind) =>
    fc.assert(
      fc.property(anyText, (raw) => {
        const verdict = checkText(raw, rule(kind));
        if (!verdict.ok) return;
        expect(verdict.text).toBe(canonicalText(verdict.text, kind));
        expect(verdict.text).toBe(verdict.text.normalize('NFC'));
        expect(verdict.text.length).toBeGreaterThanOrEqual(1);
        expect(verdict.text.length).toBeLessThanOrEqual(30);
        expect(checkText(verdict.text, rule(kind))).toEqual(verdict);
      }),
    ),
  );

  it.each(KINDS)('%s: no refused character ever passes, wherever it stands', (kind) =>
    fc.assert(
      fc.property(wellFormedText, fc.constantFrom(...REFUSED[kind]), fc.nat(), (text, refused, at) => {
        const codePoints = [...text];
        const position = at % (codePoints.length + 1);
        codePoints.splice(position, 0, refused);
        // a CR just before an LF makes a CRLF: a line break multiline text accepts, not a refused character
        if (kind === 'multiline' && refused === '\r' && codePoints[position + 1] === '\n') return;
        expect(checkText(codePoints.join(''), { kind, min: 0, max: 1000 }).ok).toBe(false);
      }),
    ),
  );

  it.each(KINDS)('%s: joiners and direction marks are kept (scripts and right-to-left names need them)', (kind) => {
    for (const kept of FORMAT_CHARACTERS_KEPT)
      expect(checkText(`a${kept}b`, { kind, min: 1, max: 10 })).toEqual({ ok: true, text: `a${kept}b` });
  });

  it.each(KINDS)('%s: an accepted text holds none of the refused characters', (kind) =>
    fc.assert(
      fc.property(anyText, (raw) => {
        const verdict = checkText(raw, { kind, min: 0, max: 1000 });
        if (!verdict.ok) return;
        expect(verdict.text.isWellFormed()).toBe(true);
        for (const refused of REFUSED[kind].filter((c) => c.isWellFormed())) expect(verdict.text).not.toContain(refused);
      }),
    ),
  );

  it('refuses CR, LF, TAB, ESC, BEL and bidirectional controls in one line', () => {
    for (const raw of [
      'Ada\rLovelace',
      'Ada\nLovelace',
      'Ada\tLovelace',
      'Ada\u001b[31m',
      'Ada\u0007',
      'Ada\u202egnp.exe',
      'Ada\u2066x\u2069',
    ])
      expect(checkText(raw, rule('line'))).toEqual({ ok: false, problem: 'characters' });
  });

  it('takes CRLF as LF in prose, and refuses a lone CR, TAB or bidirectional control there', () => {
    expect(checkText('First line.\r\nSecond line.', { kind: 'multiline', min: 1, max: 100 })).toEqual({
      ok: true,
      text: 'First line.\nSecond line.',
    });
    for (const raw of ['a\rb', 'a\tb', 'a\u202eb', 'a\u2028b'])
      expect(checkText(raw, { kind: 'multiline', min: 1, max: 100 }).ok, JSON.stringify(raw)).toBe(false);
  });

  it('accepts well-formed names of any script, kept in NFC without surrounding spaces', () => {
    expect(checkText('  Zoe\u0308 N\u0303u\u0301n\u0303ez ', rule('line'))).toEqual({ ok: true, text: 'Zoë Ñúñez' });
    expect(checkText('李小龍', rule('line'))).toEqual({ ok: true, text: '李小龍' });
    expect(checkText('עִבְרִית‎ O’Brien 👩‍👩‍👧', rule('line')).ok).toBe(true);
  });

  it('measures lengths after canonicalising', () => {
    expect(checkText('   ', rule('line'))).toEqual({ ok: false, problem: 'too_short' });
    expect(checkText('x'.repeat(31), rule('line'))).toEqual({ ok: false, problem: 'too_long' });
    expect(checkText(` ${'x'.repeat(30)} `, rule('line')).ok).toBe(true);
  });

  it('displayLine shows any stored text as one clean line, and is idempotent', () =>
    fc.assert(
      fc.property(anyText, (text) => {
        const line = displayLine(text);
        expect(hasForbiddenCharacter(line, 'line')).toBe(false);
        expect(displayLine(line)).toBe(line);
      }),
    ));
});
