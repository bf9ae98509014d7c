import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { lockRefreshToken, Sessions } from './sessions';

export type LogOut = { refreshToken: string };

/**
 * Ends a session: revokes the presented refresh token's family, whose access tokens are refused from then on.
 * Unknown tokens are ignored (nothing to end).
 */
@Injectable()
export class LogOutHandler {
  constructor(
    private readonly db: Database,
    private readonly sessions: Sessions,
  ) {}

  async execute(cmd: LogOut, meta: CommandMeta): Promise<void> {
    await this.db.transaction(async (tx) => {
      const token = await lockRefreshToken(tx, cmd.refreshToken);
      if (token) await this.sessions.revoke(tx, token.familyId, meta.now);
    });
  }
}
