import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { findRefreshTokenForUpdate, revokeFamily } from './sessions';

export type LogOut = { refreshToken: string };

/** Ends a session: revokes the presented refresh token's family. Unknown tokens are ignored (nothing to end). */
@Injectable()
export class LogOutHandler {
  constructor(private readonly db: Database) {}

  async execute(cmd: LogOut, meta: CommandMeta): Promise<void> {
    await this.db.transaction(async (tx) => {
      const token = await findRefreshTokenForUpdate(tx, cmd.refreshToken);
      if (token) await revokeFamily(tx, token.familyId, meta.now);
    });
  }
}
