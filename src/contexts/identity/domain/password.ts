import { InvalidInput } from '../../../shared-kernel/errors';

export class PasswordTooCommon extends InvalidInput {
  constructor() {
    super('identity.password_too_common', 'this password is one of the most commonly used ones, which attackers try first; choose another');
  }
}

/**
 * Every password that is set (registration, staff accounts, the configured admin) follows NIST SP 800-63B: at least
 * 8 characters (checked where it comes in) and not on a list of commonly used passwords; no composition rules.
 * Compared without case: capitalising a common password does not make it less common.
 */
export const ensureNotCommon = (password: string, commonPasswords: ReadonlySet<string>): void => {
  if (commonPasswords.has(password.toLowerCase())) throw new PasswordTooCommon();
};
