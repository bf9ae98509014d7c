import { describe, expect, it } from 'vitest';
import { ensureNotCommon, PasswordTooCommon } from './password';

const common = new Set(['password', '12345678', 'iloveyou']);

describe('ensureNotCommon', () => {
  it('refuses a password on the list, in any letter case', () => {
    for (const password of ['password', 'PASSWORD', 'ILoveYou', '12345678']) {
      expect(() => ensureNotCommon(password, common), password).toThrow(PasswordTooCommon);
    }
  });

  it('accepts anything else, a common password inside a longer one included', () => {
    for (const password of ['password!', 'my password', 'correct horse battery staple']) {
      expect(() => ensureNotCommon(password, common), password).not.toThrow();
    }
  });

  it('answers with a stable code', () =>
    expect(() => ensureNotCommon('password', common)).toThrow(
      expect.objectContaining({ kind: 'validation', code: 'identity.password_too_common' }),
    ));
});
