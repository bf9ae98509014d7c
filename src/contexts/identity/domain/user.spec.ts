import { describe, expect, it } from 'vitest';
import { EmailTaken, ensureAdmin, normalizeEmail, register } from './user';

const now = new Date('2026-01-01T12:00:00Z');
const userId = '0190f000-0000-7000-8000-000000000001';

describe('register', () => {
  it('registers a new account with a normalized email and no password material', () => {
    const event = register(null, { userId, email: '  Ada@Example.COM ', name: ' Ada ', role: 'customer', now });
    expect(event).toEqual({
      type: 'UserRegistered',
      data: { userId, email: 'ada@example.com', name: 'Ada', role: 'customer', registeredAt: '2026-01-01T12:00:00.000Z' },
    });
  });

  it('refuses an email that is taken', () => {
    expect(() =>
      register({ userId, role: 'customer' }, { userId: 'other', email: 'ada@example.com', name: 'Ada', role: 'customer', now }),
    ).toThrow(EmailTaken);
  });
});

describe('ensureAdmin', () => {
  const cmd = { userId, email: 'root@example.com', name: 'Administrator', passwordMatches: false, now };

  it('registers the admin when there is no account', () => {
    expect(ensureAdmin(null, cmd)).toEqual([
      expect.objectContaining({ type: 'UserRegistered', data: expect.objectContaining({ role: 'admin' }) }),
    ]);
  });

  it('promotes a customer and records the password change', () => {
    expect(ensureAdmin({ userId, role: 'customer' }, cmd).map((e) => e.type)).toEqual(['UserRoleAssigned', 'PasswordChanged']);
  });

  it('changes nothing when the admin is already as configured', () => {
    expect(ensureAdmin({ userId, role: 'admin' }, { ...cmd, passwordMatches: true })).toEqual([]);
  });
});

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => expect(normalizeEmail(' A@B.C ')).toBe('a@b.c'));
});
