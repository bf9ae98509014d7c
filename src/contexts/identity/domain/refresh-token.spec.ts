import { describe, expect, it } from 'vitest';
import { judgeRefresh, RefreshTokenRecord } from './refresh-token';

const now = new Date('2026-01-01T12:00:00Z');
const token = (overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => ({
  id: 't1',
  userId: 'u1',
  familyId: 'f1',
  expiresAt: new Date(now.getTime() + 1000),
  rotatedAt: null,
  revokedAt: null,
  familyRevoked: false,
  ...overrides,
});

describe('judgeRefresh', () => {
  it('rotates a live token', () => expect(judgeRefresh(token(), now)).toBe('rotate'));
  it('detects reuse of a rotated token', () => expect(judgeRefresh(token({ rotatedAt: now }), now)).toBe('reuse_detected'));
  it('refuses a revoked token, even one also rotated', () =>
    expect(judgeRefresh(token({ rotatedAt: now, revokedAt: now }), now)).toBe('revoked'));
  it('refuses a live token of a revoked family, so it can be revoked too', () => {
    expect(judgeRefresh(token({ familyRevoked: true }), now)).toBe('escaped_revocation');
    expect(judgeRefresh(token({ familyRevoked: true, rotatedAt: now }), now)).toBe('escaped_revocation');
    expect(judgeRefresh(token({ familyRevoked: true, revokedAt: now }), now)).toBe('revoked');
  });
  it('refuses an expired token', () => expect(judgeRefresh(token({ expiresAt: now }), now)).toBe('expired'));
});
