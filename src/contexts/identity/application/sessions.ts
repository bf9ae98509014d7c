import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Sql } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { REFRESH_TOKEN_TTL_MS, RefreshTokenRecord } from '../domain/refresh-token';
import { AccessTokenIssuer } from './ports';
import type { Profile } from './users';

/** What login and refresh answer. */
export type Session = { accessToken: string; refreshToken: string; tokenType: 'Bearer'; expiresIn: number };

/** Refresh tokens are 32 random bytes; only their SHA-256 is stored, so a database leak yields no usable token. */
export const hashRefreshToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

type Row = { id: string; user_id: string; family_id: string; expires_at: Date; rotated_at: Date | null; revoked_at: Date | null };

/** The stored token for a presented value, locked until the transaction ends. */
export const findRefreshTokenForUpdate = async (sql: Sql, token: string): Promise<RefreshTokenRecord | null> => {
  const { rows } = await sql.query<Row>(
    `select id, user_id, family_id, expires_at, rotated_at, revoked_at from identity.refresh_tokens where token_hash = $1 for update`,
    [hashRefreshToken(token)],
  );
  const r = rows[0];
  return r
    ? { id: r.id, userId: r.user_id, familyId: r.family_id, expiresAt: r.expires_at, rotatedAt: r.rotated_at, revokedAt: r.revoked_at }
    : null;
};

/** Revocations removed per revocation once all their access tokens have expired: the list stays that small. */
const PURGE_BATCH = 100;
/** Kept past the tokens' lifetime by this much, for instances whose clocks differ a little. */
const CLOCK_MARGIN_S = 60;

/**
 * Issues an access token and a new refresh token (in `familyId`, or a new family for a fresh login), and revokes
 * sessions. The session id in an access token is its refresh-token family.
 */
@Injectable()
export class Sessions {
  constructor(private readonly accessTokens: AccessTokenIssuer) {}

  /**
   * Ends a session in the caller's transaction: its refresh tokens are revoked and the session goes on the revocation
   * list the API checks on every request, so its access tokens are refused at once. It stays there until its last
   * access token has expired (no token of a revoked family is issued after this commits).
   */
  async revoke(sql: Sql, familyId: string, now: Date): Promise<void> {
    await sql.query(`update identity.refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, [familyId, now]);
    await sql.query(
      `insert into identity.revoked_sessions (session_id, revoked_at) values ($1, $2)
       on conflict (session_id) do update set revoked_at = greatest(identity.revoked_sessions.revoked_at, excluded.revoked_at)`,
      [familyId, now],
    );
    await sql.query(
      `delete from identity.revoked_sessions where session_id in (
         select session_id from identity.revoked_sessions where revoked_at <= $1::timestamptz - make_interval(secs => $2)
         limit ${PURGE_BATCH} for update skip locked)`,
      [now, this.accessTokens.lifetimeSeconds + CLOCK_MARGIN_S],
    );
  }

  async issue(sql: Sql, user: Profile, now: Date, familyId: string = newId()): Promise<Session> {
    const refreshToken = randomBytes(32).toString('base64url');
    await sql.query(
      `insert into identity.refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)`,
      [newId(), user.id, familyId, hashRefreshToken(refreshToken), now, new Date(now.getTime() + REFRESH_TOKEN_TTL_MS)],
    );
    const { token, expiresIn } = await this.accessTokens.sign({ id: user.id, email: user.email, role: user.role }, familyId);
    return { accessToken: token, refreshToken, tokenType: 'Bearer', expiresIn };
  }
}
