import { describe, expect, it } from 'vitest';
import { MAX_INPUT_DEPTH, unsafeInput } from './safe-input';

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

describe('unsafe input', () => {
  it('passes ordinary text, unicode and emoji', () => {
    expect(unsafeInput({ body: { name: 'Zoë 🍵 “quoted” <b>&', lines: [{ sku: 'A-1' }] }, query: { q: "' or 1=1 --" } })).toEqual([]);
  });

  it.each([
    ['a NUL in a value', { body: { name: 'a\u0000b' } }, 'body.name'],
    ['a lone surrogate', { body: { lines: [{ note: 'x\ud800' }] } }, 'body.lines.0.note'],
    ['a NUL in a key', { body: { 'a\u0000': 1 } }, 'body'],
    ['a NUL in a path parameter', { params: { id: '\u0000' } }, 'params.id'],
  ])('finds %s', (_, input, path) => {
    expect(unsafeInput(input)).toEqual([{ path, problem: 'characters' }]);
  });

  it('refuses nesting past the limit without exhausting the stack', () => {
    expect(unsafeInput(nested(MAX_INPUT_DEPTH - 1))).toEqual([]);
    expect(unsafeInput(nested(100_000))).toEqual([expect.objectContaining({ problem: 'depth' })]);
  });

  it('reports every offending field', () => {
    expect(unsafeInput({ body: { name: 'a\u0000', city: 'ok', line1: '\udfff' } }).map((o) => o.path)).toEqual(['body.name', 'body.line1']);
  });
});
