import { describe, expect, it } from 'vitest';
import { MAX_PREFERRED_WAIT_S, preferredWait } from './prefer-wait';

describe('preferredWait (RFC 7240 Prefer: wait=N)', () => {
  it('reads the wait alone or among other preferences, in any case and with parameters', () => {
    expect(preferredWait('wait=10')).toBe(10);
    expect(preferredWait('respond-async, wait=5')).toBe(5);
    expect(preferredWait('Wait = 7 ; foo=bar')).toBe(7);
    expect(preferredWait('wait="3"')).toBe(3);
    expect(preferredWait('wait=0')).toBe(0);
  });

  it(`caps a long wait at ${MAX_PREFERRED_WAIT_S} s`, () => {
    expect(preferredWait('wait=3600')).toBe(MAX_PREFERRED_WAIT_S);
  });

  it('ignores what it cannot read: preferences are hints, never errors', () => {
    for (const header of [undefined, '', 'respond-async', 'wait', 'wait=', 'wait=-1', 'wait=1.5', 'wait=soon', 'wait=1e3', 'waiting=5']) {
      expect(preferredWait(header)).toBeUndefined();
    }
  });
});
