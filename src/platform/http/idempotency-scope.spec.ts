import { describe, expect, it } from 'vitest';
import { ANONYMOUS, callerScope } from './idempotency-keys';

const request = (headers: Record<string, string | string[]>, user?: { id: string }) => ({
  headers,
  ...(user ? { user: { ...user, email: 'a@example.com', role: 'customer' as const } } : {}),
});

describe('idempotency scope of a caller', () => {
  it('is the principal when there is one, whatever cart token comes along', () =>
    expect(callerScope(request({ 'x-cart-token': 'abc' }, { id: 'u1' }))).toBe('u1'));

  it("is a hash of the guest's cart token otherwise: one per token, never the token itself", () => {
    const one = callerScope(request({ 'x-cart-token': 'token-one' }));
    const two = callerScope(request({ 'x-cart-token': 'token-two' }));
    expect(one).toMatch(/^cart-token:[0-9a-f]{64}$/);
    expect(one).not.toContain('token-one');
    expect(two).not.toBe(one);
    expect(callerScope(request({ 'x-cart-token': [' token-one ', 'other'] }))).toBe(one);
  });

  it('is the shared anonymous scope with neither', () => {
    expect(callerScope(request({}))).toBe(ANONYMOUS);
    expect(callerScope(request({ 'x-cart-token': '  ' }))).toBe(ANONYMOUS);
  });
});
