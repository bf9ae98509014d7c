import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { lockUntilCommit, type Sql } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { REFRESH_TOKEN_TTL_MS, RefreshTokenRecord } from '../domain/refresh-token';
import { AccessTokenIssuer } from './ports';
import type { Profile } from './users';

/** What login and refresh answer. */
export type Session = { accessToken: string; refreshToken: string; tokenType: 'Bearer'; expiresIn: number };

/** Refresh tokens are 32 random bytes; only their SHA-256 is stored, so a database leak yields no usable token. */
export const hashRefreshToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

type Row = {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
  family_revoked: boolean;
};

/**
 * Queues the refreshes and revocations of one session (refresh-token family) behind each other until the transaction
 * ends. Each then sees every token the one before it issued or revoked: a revocation cannot miss a token a
 * concurrent refresh is issuing, and a refresh cannot rotate a token of a family whose revocation has committed. Row
 * locks could not give this: a statement waiting on a row lock still works from its older snapshot, which lacks the
 * rows inserted by the transaction it waited for.
 */
const lockFamily = (sql: Sql, familyId: string): Promise<void> => lockUntilCommit(sql, `identity.refresh-token-family:${familyId}`);

/** The stored token for a presented value, its family locked until the transaction ends (see `lockFamily`). */
export const lockRefreshToken = async (sql: Sql, token: string): Promise<RefreshTokenRecord | null> => {
  const tokenHash = hashRefreshToken(token);
  const { rows: found } = await sql.query<{ family_id: string }>('select family_id from identity.refresh_tokens where token_hash = $1', [
    tokenHash,
  ]);
  if (!found[0]) return null;
  await lockFamily(sql, found[0].family_id);
  const { rows } = await sql.query<Row>(
    `select id, user_id, family_id, expires_at, rotated_at, revoked_at,
            exists (select 1 from identity.refresh_tokens f where f.family_id = t.family_id and f.revoked_at is not null) as family_revoked
     from identity.refresh_tokens t where token_hash = $1`,
    [tokenHash],
  );
  const r = rows[0];
  return r
    ? {
        id: r.id,
        userId: r.user_id,
        familyId: r.family_id,
        expiresAt: r.expires_at,
        rotatedAt: r.rotated_at,
        revokedAt: r.revoked_at,
        familyRevoked: r.family_revoked,
      }
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
   * Ends a session in the caller's transaction: every refresh token of the family is revoked, and the session goes on
   * the revocation list the API checks on every request, so its access tokens are refused at once. The family is
   * locked first, so no refresh of it is in flight and none runs until this commits; from then on every token of
   * the family is refused (`judgeRefresh`), so no access token of the session is issued after this. The entry stays
   * until the last access token issued before has expired: it is dated no earlier than the family's newest token,
   * which a refresh that went first may have issued after `now`.
   */
  async revoke(sql: Sql, familyId: string, now: Date): Promise<void> {
    await lockFamily(sql, familyId);
    await sql.query(`update identity.refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, [familyId, now]);
    await sql.query(
      `insert into identity.revoked_sessions (session_id, revoked_at)
       select $1::uuid, greatest($2::timestamptz, max(created_at)) from identity.refresh_tokens where family_id = $1
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

  /** A new session, or the next token of `familyId`: then only under the family's lock (`lockRefreshToken`). */
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
