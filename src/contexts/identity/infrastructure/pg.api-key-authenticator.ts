import { Injectable } from '@nestjs/common';
import { API_KEY_FORMAT, ApiKeyAuthenticator, ApiKeyPrincipal } from '../../../platform/http/api-keys';
import { Database } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { hashApiKey } from '../application/api-keys';
import { judgeApiKey } from '../domain/api-key';

/** `last_used_at` is written at most this often per key, so busy keys do not turn every read into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

type Row = { id: string; scopes: string[]; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null };

/**
 * Looks every presented key up by its SHA-256 in `identity.api_keys`: no cache, so a revoked key is refused by
 * every instance at once.
 */
@Injectable()
export class PgApiKeyAuthenticator extends ApiKeyAuthenticator {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    super();
  }

  async authenticate(key: string): Promise<ApiKeyPrincipal | null> {
    if (!API_KEY_FORMAT.test(key)) return null;
    const { rows } = await this.db.query<Row>(
      `select id, scopes, expires_at, revoked_at, last_used_at from identity.api_keys where key_hash = $1`,
      [hashApiKey(key)],
    );
    const row = rows[0];
    const now = this.clock.now();
    if (!row || judgeApiKey({ id: row.id, expiresAt: row.expires_at, revokedAt: row.revoked_at }, now) !== 'valid') return null;
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.db.query(
        `update identity.api_keys set last_used_at = $2
         where id = $1 and (last_used_at is null or last_used_at <= $2::timestamptz - make_interval(secs => $3))`,
        [row.id, now, LAST_USED_RESOLUTION_MS / 1000],
      );
    }
    return { keyId: row.id, scopes: row.scopes };
  }
}
