import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../../shared-kernel/errors';
import { ApiKeyNotFound, issueApiKey, judgeApiKey, MAX_ACTIVE_API_KEYS, revokeApiKey, TooManyApiKeys } from './api-key';

const now = new Date('2026-01-01T12:00:00Z');
const later = new Date('2026-02-01T12:00:00Z');
const issue = {
  keyId: 'k1',
  name: ' warehouse sync ',
  scopes: ['orders:write', 'inventory:read', 'orders:write'],
  issuedBy: 'admin-1',
  now,
};

describe('issueApiKey', () => {
  it('records who issued which scopes, without key material', () => {
    expect(issueApiKey(0, { ...issue, expiresAt: later })).toEqual({
      type: 'ApiKeyIssued',
      data: {
        keyId: 'k1',
        name: 'warehouse sync',
        scopes: ['inventory:read', 'orders:write'],
        issuedBy: 'admin-1',
        issuedAt: '2026-01-01T12:00:00.000Z',
        expiresAt: '2026-02-01T12:00:00.000Z',
      },
    });
  });

  it('refuses an expiry that is not in the future', () => {
    expect(() => issueApiKey(0, { ...issue, expiresAt: now })).toThrow(InvalidInput);
  });

  it('refuses a key beyond the cap on active keys', () => {
    expect(() => issueApiKey(MAX_ACTIVE_API_KEYS, issue)).toThrow(TooManyApiKeys);
  });
});

describe('revokeApiKey', () => {
  const key = { id: 'k1', expiresAt: null, revokedAt: null };

  it('revokes a live key', () =>
    expect(revokeApiKey(key, { keyId: 'k1', revokedBy: 'admin-1', now })).toEqual([
      { type: 'ApiKeyRevoked', data: { keyId: 'k1', revokedBy: 'admin-1', revokedAt: '2026-01-01T12:00:00.000Z' } },
    ]));
  it('is idempotent', () => expect(revokeApiKey({ ...key, revokedAt: now }, { keyId: 'k1', revokedBy: 'a', now })).toEqual([]));
  it('refuses an unknown key', () => expect(() => revokeApiKey(null, { keyId: 'k9', revokedBy: 'a', now })).toThrow(ApiKeyNotFound));
});

describe('judgeApiKey', () => {
  it('accepts a live key', () => expect(judgeApiKey({ id: 'k1', expiresAt: later, revokedAt: null }, now)).toBe('valid'));
  it('refuses a revoked key', () => expect(judgeApiKey({ id: 'k1', expiresAt: null, revokedAt: now }, now)).toBe('revoked'));
  it('refuses a key from its expiry on', () => expect(judgeApiKey({ id: 'k1', expiresAt: now, revokedAt: null }, now)).toBe('expired'));
});
