import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { InvalidRefreshToken, judgeRefresh } from '../domain/refresh-token';
import { lockRefreshToken, Session, Sessions } from './sessions';
import { getUser, toProfile } from './users';

export type RefreshSession = { refreshToken: string };

/**
 * Rotates a refresh token: the presented one is spent and a new one of the same family is issued. Presenting a
 * spent token revokes the whole family (reuse detection), its access tokens included. The family is locked, so two
 * concurrent refreshes with one token cannot both succeed, and a revocation never misses a token issued beside it.
 */
@Injectable()
export class RefreshSessionHandler {
  constructor(
    private readonly db: Database,
    private readonly sessions: Sessions,
  ) {}

  async execute(cmd: RefreshSession, meta: CommandMeta): Promise<Session> {
    // The revocation must commit, so the refusal is thrown after the transaction, not inside it.
    const session = await this.db.transaction(async (tx) => {
      const token = await lockRefreshToken(tx, cmd.refreshToken);
      if (!token) return null;
      const verdict = judgeRefresh(token, meta.now);
      if (verdict === 'reuse_detected' || verdict === 'escaped_revocation') await this.sessions.revoke(tx, token.familyId, meta.now);
      if (verdict !== 'rotate') return null;
      const user = await getUser(tx, token.userId);
      if (!user) return null;
      await tx.query(`update identity.refresh_tokens set rotated_at = $2 where id = $1`, [token.id, meta.now]);
      return this.sessions.issue(tx, toProfile(user), meta.now, token.familyId);
    });
    if (!session) throw new InvalidRefreshToken();
    return session;
  }
}
