import { Injectable } from '@nestjs/common';
import { CommandMeta, EventStore, appendedNow } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { isUuid } from '../../../shared-kernel/ids';
import { ApiKeyNotFound, apiKeyStream, revokeApiKey } from '../domain/api-key';
import { getApiKeyForUpdate, markApiKeyRevoked } from './api-keys';

export type RevokeApiKey = { keyId: string; revokedBy: string };

/** Revokes a key: it is refused from the moment this commits (keys are looked up on every request, never cached). */
@Injectable()
export class RevokeApiKeyHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
  ) {}

  async execute(cmd: RevokeApiKey, meta: CommandMeta): Promise<void> {
    if (!isUuid(cmd.keyId)) throw new ApiKeyNotFound(cmd.keyId);
    await this.db.transaction(async (tx) => {
      const events = revokeApiKey(await getApiKeyForUpdate(tx, cmd.keyId), { ...cmd, now: meta.now });
      if (events.length === 0) return;
      await markApiKeyRevoked(tx, cmd.keyId, meta.now);
      appendedNow(await this.events.append(apiKeyStream(cmd.keyId), events, { expectedVersion: 'any', meta, tx }));
    });
  }
}
