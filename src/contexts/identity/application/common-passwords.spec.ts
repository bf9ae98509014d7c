import { describe, expect, it } from 'vitest';
import { commonPasswords } from './common-passwords';

describe('commonPasswords', () => {
  it('holds tens of thousands of lower-case passwords, the most common first among them', async () => {
    const passwords = await commonPasswords();
    expect(passwords.size).toBeGreaterThan(40_000);
    for (const password of ['123456', 'password', '12345678', 'qwerty', 'iloveyou', 'trustno1']) expect(passwords.has(password)).toBe(true);
    expect([...passwords].every((p) => p === p.toLowerCase())).toBe(true);
    expect(await commonPasswords()).toBe(passwords);
  });

  it('does not hold the passwords the demo data and the tests use', async () => {
    const passwords = await commonPasswords();
    for (const password of ['orderly-demo-customer', 'correct horse battery staple', 'long enough', 'admin password']) {
      expect(passwords.has(password)).toBe(false);
    }
  });
});
