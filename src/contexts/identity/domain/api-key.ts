import { Conflict, InvalidInput, NotFound } from '../../../shared-kernel/errors';
import { canonicalText } from '../../../shared-kernel/text';

/** Active (not revoked) keys at a time: enough for every integration, small enough to review by hand. */
export const MAX_ACTIVE_API_KEYS = 100;

// Events: who issued or revoked which key, for the audit trail. Never any key material in them.
export type ApiKeyIssued = {
  type: 'ApiKeyIssued';
  data: { keyId: string; name: string; scopes: string[]; issuedBy: string; issuedAt: string; expiresAt: string | null };
};
export type ApiKeyRevoked = { type: 'ApiKeyRevoked'; data: { keyId: string; revokedBy: string; revokedAt: string } };
export type ApiKeyEvent = ApiKeyIssued | ApiKeyRevoked;

export const apiKeyStream = (keyId: string) => `identity.api-key-${keyId}`;

/** A stored key as decisions need it. */
export type ApiKeyRecord = { id: string; expiresAt: Date | null; revokedAt: Date | null };

export class ApiKeyNotFound extends NotFound {
  constructor(keyId: string) {
    super('identity.api_key_not_found', 'no API key has this id', { keyId });
  }
}

export class TooManyApiKeys extends Conflict {
  constructor() {
    super('identity.too_many_api_keys', `at most ${MAX_ACTIVE_API_KEYS} API keys may be active; revoke one first`, {
      max: MAX_ACTIVE_API_KEYS,
    });
  }
}

export const issueApiKey = (
  activeKeys: number,
  cmd: { keyId: string; name: string; scopes: readonly string[]; issuedBy: string; expiresAt?: Date; now: Date },
): ApiKeyIssued => {
  if (activeKeys >= MAX_ACTIVE_API_KEYS) throw new TooManyApiKeys();
  if (cmd.expiresAt && cmd.expiresAt.getTime() <= cmd.now.getTime()) {
    throw new InvalidInput('identity.api_key_expiry_in_past', 'expiresAt must be in the future');
  }
  return {
    type: 'ApiKeyIssued',
    data: {
      keyId: cmd.keyId,
      name: canonicalText(cmd.name, 'line'),
      scopes: [...new Set(cmd.scopes)].sort(),
      issuedBy: cmd.issuedBy,
      issuedAt: cmd.now.toISOString(),
      expiresAt: cmd.expiresAt?.toISOString() ?? null,
    },
  };
};

/** Revoking is idempotent: a key already revoked yields no event. */
export const revokeApiKey = (key: ApiKeyRecord | null, cmd: { keyId: string; revokedBy: string; now: Date }): ApiKeyRevoked[] => {
  if (!key) throw new ApiKeyNotFound(cmd.keyId);
  if (key.revokedAt) return [];
  return [{ type: 'ApiKeyRevoked', data: { keyId: key.id, revokedBy: cmd.revokedBy, revokedAt: cmd.now.toISOString() } }];
};

/** Whether a presented key may act now. */
export const judgeApiKey = (key: ApiKeyRecord, now: Date): 'valid' | 'revoked' | 'expired' => {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'valid';
};
