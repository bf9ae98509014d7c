import { Injectable } from '@nestjs/common';
import { CommandMeta, EventStore, appendedNow } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { apiKeyStream, issueApiKey } from '../domain/api-key';
import { ApiKeyView, displayPrefix, generateApiKey, hashApiKey, insertApiKey, lockActiveApiKeys } from './api-keys';

export type IssueApiKey = { name: string; scopes: string[]; expiresAt?: Date; issuedBy: string };

/** Creates a key for a server client. The key is in the answer once and never again: only its hash is stored. */
@Injectable()
export class IssueApiKeyHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
  ) {}

  async execute(cmd: IssueApiKey, meta: CommandMeta): Promise<ApiKeyView & { key: string }> {
    const key = generateApiKey();
    return this.db.transaction(async (tx) => {
      const event = issueApiKey(await lockActiveApiKeys(tx), { ...cmd, keyId: newId(), now: meta.now });
      const { keyId, name, scopes } = event.data;
      const view = await insertApiKey(tx, {
        id: keyId,
        name,
        keyHash: hashApiKey(key),
        prefix: displayPrefix(key),
        scopes,
        createdBy: cmd.issuedBy,
        createdAt: meta.now,
        expiresAt: cmd.expiresAt ?? null,
      });
      appendedNow(await this.events.append(apiKeyStream(keyId), [event], { expectedVersion: 'no_stream', meta, tx }));
      return { ...view, key };
    });
  }
}
