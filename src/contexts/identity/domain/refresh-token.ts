import { Unauthorized } from '../../../shared-kernel/errors';

/** 30 days: a session lasts this long without a new login, as long as it is used (each use rotates the token). */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export type RefreshTokenRecord = {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  /** Whether any token of the family was revoked: the session has ended, whatever this token's own state. */
  familyRevoked: boolean;
};

export class InvalidRefreshToken extends Unauthorized {
  constructor() {
    super('identity.invalid_refresh_token', 'the refresh token is unknown, expired or revoked; log in again');
  }
}

/**
 * What presenting a refresh token means. A token that was already rotated is being replayed: either the client
 * lost a race with itself or the token was stolen, so the whole family (every token descending from one login)
 * is revoked. A live token of a family that has a revoked token escaped that revocation (`escaped_revocation`): it
 * is refused, and the family is revoked again, so the token and its access tokens end too.
 */
export type RefreshVerdict = 'rotate' | 'reuse_detected' | 'escaped_revocation' | 'revoked' | 'expired';

export const judgeRefresh = (token: RefreshTokenRecord, now: Date): RefreshVerdict => {
  if (token.revokedAt) return 'revoked';
  if (token.familyRevoked) return 'escaped_revocation';
  if (token.rotatedAt) return 'reuse_detected';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'rotate';
};
