import { describe, expect, it } from 'vitest';
import { commonPasswords } from './common-passwords';
import { clientNetwork } from './login-failures';

describe('commonPasswords', () => {
  it('holds tens of thousands of lower-case passwords, the most common first among them', () => {
    const passwords = commonPasswords();
    expect(passwords.size).toBeGreaterThan(40_000);
    for (const password of ['123456', 'password', '12345678', 'qwerty', 'iloveyou', 'trustno1']) expect(passwords.has(password)).toBe(true);
    expect([...passwords].every((p) => p === p.toLowerCase())).toBe(true);
    expect(commonPasswords()).toBe(passwords);
  });

  it('does not hold the passwords the demo data and the tests use', () => {
    for (const password of ['orderly-demo-customer', 'correct horse battery staple', 'long enough', 'admin password']) {
      expect(commonPasswords().has(password)).toBe(false);
    }
  });
});

describe('clientNetwork', () => {
  it('keeps IPv4 addresses, also mapped into IPv6, and counts IPv6 addresses by their /64', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('::1')).toBe('::/64');
    expect(clientNetwork('not an address')).toBe('not an address');
  });
});
