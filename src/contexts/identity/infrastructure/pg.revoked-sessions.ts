import { Injectable } from '@nestjs/common';
import { RevokedSessions } from '../../../platform/http/revoked-sessions';
import { Database } from '../../../platform/persistence/database';

/**
 * The revocation list in `identity.revoked_sessions`, read on every request with an access token: one primary-key
 * lookup in a table that holds only the sessions revoked within the last access-token lifetime. No cache, so a
 * logout refuses the session's tokens on every instance from the moment it commits.
 */
@Injectable()
export class PgRevokedSessions extends RevokedSessions {
  constructor(private readonly db: Database) {
    super();
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const { rows } = await this.db.query('select 1 from identity.revoked_sessions where session_id = $1', [sessionId]);
    return rows.length > 0;
  }
}
