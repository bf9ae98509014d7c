import { describe, expect, it } from 'vitest';
import { decodeCursor } from './orders.projection';

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const id = '01a200de-f311-75f0-a397-7a327abe75a4';

describe('orders cursor', () => {
  it('reads back the position it was written with', () => {
    expect(decodeCursor(cursorOf(['2026-11-22T01:02:03.456Z', id]))).toEqual({ placedAt: '2026-11-22T01:02:03.456Z', id });
  });

  it('refuses anything else, including dates JavaScript parses but PostgreSQL does not', () => {
    for (const crafted of [
      cursorOf(['1', id]),
      cursorOf(['2026-11-22', id]),
      cursorOf(['2026-11-22T01:02:03.456Z', 'x']),
      'not-base64-json',
      cursorOf({}),
    ]) {
      expect(decodeCursor(crafted)).toBeUndefined();
    }
  });
});
