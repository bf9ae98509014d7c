import { describe, expect, it } from 'vitest';
import { accountEmail, accountName, EmailTaken, ensureAdmin, register } from './user';

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

describe('accountEmail', () => {
  it('drops surrounding spaces and lower-cases ASCII letters', () => expect(accountEmail(' A@B.CO ')).toBe('a@b.co'));

  it.each([
    ['the Kelvin sign', '\u212Aim@example.com'],
    ['a fullwidth letter', '\uFF41da@example.com'],
    ['a ligature', '\uFB00@example.com'],
    ['a sharp s', 'stra\u00DFe@example.com'],
    ['a dotted capital I', '\u0130@example.com'],
    ['a tab', 'ada@example.com\t'],
  ])('refuses %s rather than folding it into another address', (_what, email) =>
    expect(() => accountEmail(email)).toThrow(expect.objectContaining({ code: 'identity.invalid_email' })),
  );
});

describe('accountName', () => {
  it('keeps a name in NFC without surrounding spaces', () => expect(accountName(' Zoe\u0308 ')).toBe('Zo\u00EB'));

  it('refuses line breaks and bidirectional overrides', () => {
    for (const name of ['Ada\r\nBcc: x@example.com', 'Ada\u202Egnp.exe']) {
      expect(() => accountName(name)).toThrow(expect.objectContaining({ code: 'identity.invalid_name' }));
    }
  });
});
