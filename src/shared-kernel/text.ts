/**
 * The text policy of the whole API: what a name, an address line, a review or a note may contain, and the one form it
 * is kept in. The zod schemas of every controller (platform/http/text-schemas.ts) and the domain rules that check text
 * are built on these functions, so a text accepted at one entry is accepted, and stored the same way, at every other.
 *
 * - `line`: one line shown to people or put into mails (names, address lines, labels). It refuses every control
 *   character (C0 including TAB, CR, LF, ESC and BEL; DEL; C1), the line and paragraph separators U+2028/U+2029, the
 *   bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069 (text that reads differently
 *   from what it is: "Trojan Source"), every other invisible format character (zero-width space, word joiner, a byte
 *   order mark inside the text, tag characters, soft hyphen: text that looks like another) except the zero-width
 *   joiner and non-joiner and the direction marks LRM, RLM and ALM, which scripts and right-to-left names need,
 *   noncharacters and unpaired surrogates.
 * - `multiline`: prose (reviews, notes). The same, except that LF separates lines; CRLF counts as LF.
 *
 * An accepted text is kept in NFC with line breaks as LF and no white space around it. Lengths are UTF-16 code units
 * of that form, as zod and JavaScript count them.
 */

export type TextKind = 'line' | 'multiline';

/** U+nFFFE and U+nFFFF of the planes 1 to 16 (those of plane 0 are in FORBIDDEN_COMMON). */
const SUPPLEMENTARY_NONCHARACTERS = Array.from({ length: 16 }, (_, i) => (i + 1).toString(16))
  .map((plane) => `\\u{${plane}FFFE}\\u{${plane}FFFF}`)
  .join('');

const FORBIDDEN_COMMON =
  '\\u000B-\\u001F' + // C0 controls after LF (LF itself is decided by the kind)
  '\\u007F-\\u009F' + // DEL and the C1 controls
  '\\u2028\\u2029' + // line and paragraph separators
  '\\u202A-\\u202E\\u2066-\\u2069' + // bidirectional embeddings, overrides and isolates
  '\\uFDD0-\\uFDEF\\uFFFE\\uFFFF' +
  SUPPLEMENTARY_NONCHARACTERS +
  '\\uD800-\\uDFFF'; // with the `u` flag a paired surrogate is one code point outside this range: only lone ones match

const FORBIDDEN_IN_LINE = `\\u0000-\\u000A${FORBIDDEN_COMMON}`;
const FORBIDDEN_IN_MULTILINE = `\\u0000-\\u0009${FORBIDDEN_COMMON}`;
/** Invisible format characters (general category Cf), but ZWNJ, ZWJ, LRM, RLM and ALM. */
const INVISIBLE_FORMAT = '(?![\\u200C-\\u200F\\u061C])\\p{Cf}';

const FORBIDDEN: Record<TextKind, RegExp> = {
  line: new RegExp(`[${FORBIDDEN_IN_LINE}]|${INVISIBLE_FORMAT}`, 'u'),
  multiline: new RegExp(`[${FORBIDDEN_IN_MULTILINE}]|${INVISIBLE_FORMAT}`, 'u'),
};
const FORBIDDEN_RUNS_IN_LINE = new RegExp(`(?:[${FORBIDDEN_IN_LINE}]|${INVISIBLE_FORMAT})+`, 'gu');

const unifyLineBreaks = (text: string): string => text.replaceAll('\r\n', '\n');

/** Whether `text` holds a character its kind refuses (for `multiline`, CRLF counts as one LF). */
export const hasForbiddenCharacter = (text: string, kind: TextKind): boolean =>
  FORBIDDEN[kind].test(kind === 'multiline' ? unifyLineBreaks(text) : text);

/** The form an accepted text is kept in: line breaks as LF (multi-line), NFC, no white space around it. Idempotent. */
export const canonicalText = (text: string, kind: TextKind): string =>
  (kind === 'multiline' ? unifyLineBreaks(text) : text).normalize('NFC').trim();

export type TextRule = { kind: TextKind; min: number; max: number };
export type TextProblem = 'characters' | 'too_short' | 'too_long';
export type TextVerdict = { ok: true; text: string } | { ok: false; problem: TextProblem };

/** Checks a text against the policy and its length limits; the text it accepts is the canonical form. */
export const checkText = (raw: string, rule: TextRule): TextVerdict => {
  if (hasForbiddenCharacter(raw, rule.kind)) return { ok: false, problem: 'characters' };
  const text = canonicalText(raw, rule.kind);
  if (text.length < rule.min) return { ok: false, problem: 'too_short' };
  if (text.length > rule.max) return { ok: false, problem: 'too_long' };
  return { ok: true, text };
};

/** What `checkText` refuses, in words for a problem+json `detail`. */
export const textProblemMessage = (problem: TextProblem, rule: TextRule): string => {
  switch (problem) {
    case 'characters':
      return rule.kind === 'line'
        ? 'must be one line without control characters, bidirectional controls, invisible format characters or noncharacters'
        : 'must not contain control characters (other than line breaks), bidirectional controls, invisible format characters or noncharacters';
    case 'too_short':
      return `must have at least ${rule.min} characters`;
    case 'too_long':
      return `must have at most ${rule.max} characters`;
  }
};

/**
 * One line for showing a text that was not checked by this policy (stored before it, or from outside) where a single
 * line is all that may appear: a mail's subject or greeting, a parcel label. Each run of refused characters (line
 * breaks included) becomes one space. Never throws: old facts are shown, not refused.
 */
export const displayLine = (text: string): string => text.toWellFormed().replace(FORBIDDEN_RUNS_IN_LINE, ' ').normalize('NFC').trim();
