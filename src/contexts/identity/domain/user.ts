import { Conflict, InvalidInput, NotFound, Unauthorized } from '../../../shared-kernel/errors';
import { canonicalEmail } from '../../../shared-kernel/identifiers';
import { checkText, type TextRule, textProblemMessage } from '../../../shared-kernel/text';

export const ROLES = ['customer', 'staff', 'admin'] as const;
export type Role = (typeof ROLES)[number];

// Events: facts about an account. Never any password material in them.
export type UserRegistered = {
  type: 'UserRegistered';
  data: { userId: string; email: string; name: string; role: Role; registeredAt: string };
};
export type UserRoleAssigned = { type: 'UserRoleAssigned'; data: { userId: string; role: Role; previousRole: Role; assignedAt: string } };
export type PasswordChanged = { type: 'PasswordChanged'; data: { userId: string; changedAt: string } };
export type UserEvent = UserRegistered | UserRoleAssigned | PasswordChanged;

export const userStream = (userId: string) => `identity.user-${userId}`;

/**
 * The one form of an account's email, used by every entry (register, staff, login, the configured admin): ASCII,
 * lower case (shared-kernel identifiers.ts). An address that would only match after another folding (the Kelvin sign,
 * fullwidth letters, ß…) is refused, never read as another account's.
 */
export const accountEmail = (email: string): string => {
  const canonical = canonicalEmail(email);
  if (canonical === null) throw new InvalidInput('identity.invalid_email', 'not a valid email address (ASCII only)');
  return canonical;
};

const NAME_RULE: TextRule = { kind: 'line', min: 1, max: 100 };

/** A person's name as mails and pages show it: one line under the text policy, NFC. */
export const accountName = (name: string): string => {
  const verdict = checkText(name, NAME_RULE);
  if (!verdict.ok) throw new InvalidInput('identity.invalid_name', `a name ${textProblemMessage(verdict.problem, NAME_RULE)}`);
  return verdict.text;
};

export class EmailTaken extends Conflict {
  constructor(email: string) {
    super('identity.email_taken', 'an account with this email already exists', { email });
  }
}

/** Same answer for an unknown email and a wrong password, so the response does not reveal which accounts exist. */
export class InvalidCredentials extends Unauthorized {
  constructor() {
    super('identity.invalid_credentials', 'the email or password is not correct');
  }
}

export class UserNotFound extends NotFound {
  constructor(userId: string) {
    super('identity.user_not_found', 'no such user', { userId });
  }
}

/** The account as decisions need it; `null` when there is none. */
export type Account = { userId: string; role: Role } | null;

export const register = (account: Account, cmd: { userId: string; email: string; name: string; role: Role; now: Date }): UserRegistered => {
  if (account) throw new EmailTaken(cmd.email);
  return {
    type: 'UserRegistered',
    data: {
      userId: cmd.userId,
      email: accountEmail(cmd.email),
      name: accountName(cmd.name),
      role: cmd.role,
      registeredAt: cmd.now.toISOString(),
    },
  };
};

/**
 * The configured admin account exists, is an admin and has the configured password: registers it, or promotes it
 * and/or records a password change. No events when it already is as configured.
 */
export const ensureAdmin = (
  account: Account,
  cmd: { userId: string; email: string; name: string; passwordMatches: boolean; now: Date },
): UserEvent[] => {
  if (!account) return [register(null, { ...cmd, role: 'admin' })];
  const events: UserEvent[] = [];
  if (account.role !== 'admin') {
    events.push({
      type: 'UserRoleAssigned',
      data: { userId: account.userId, role: 'admin', previousRole: account.role, assignedAt: cmd.now.toISOString() },
    });
  }
  if (!cmd.passwordMatches) events.push({ type: 'PasswordChanged', data: { userId: account.userId, changedAt: cmd.now.toISOString() } });
  return events;
};
