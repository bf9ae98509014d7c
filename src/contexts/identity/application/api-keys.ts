import { createHash, randomBytes } from 'node:crypto';
import { lockUntilCommit, type Sql } from '../../../platform/persistence/database';
import type { ApiKeyRecord } from '../domain/api-key';

/** `identity.api_keys`: keys for server clients. Only the SHA-256 of a key is stored (see ADR 0012). */

/** 32 random bytes behind a recognisable prefix (secret scanners and people spot `ok_` in leaked text). */
export const generateApiKey = (): string => `ok_${randomBytes(32).toString('base64url')}`;

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** How a key is shown after creation: enough to tell keys apart, far too little to use. */
export const displayPrefix = (key: string): string => key.slice(0, 9);

/** What the API shows of a key: never the key itself. */
export type ApiKeyView = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
};

type Row = {
  id: string;
  name: string;
  key_prefix: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

const toView = (r: Row): ApiKeyView => ({
  id: r.id,
  name: r.name,
  prefix: r.key_prefix,
  scopes: r.scopes,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at?.toISOString() ?? null,
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
});

/** Keys not revoked (expired ones included, so they can be revoked), newest first; at most MAX_ACTIVE_API_KEYS exist. */
export const findActiveApiKeys = async (sql: Sql): Promise<ApiKeyView[]> => {
  const { rows } = await sql.query<Row>(
    `select id, name, key_prefix, scopes, created_at, expires_at, last_used_at, revoked_at
     from identity.api_keys where revoked_at is null order by created_at desc, id desc`,
  );
  return rows.map(toView);
};

/** Serializes key issuing, so the cap on active keys holds under concurrency. Returns the active keys' count. */
export const lockActiveApiKeys = async (sql: Sql): Promise<number> => {
  await lockUntilCommit(sql, 'identity.api_keys');
  const { rows } = await sql.query<{ count: number }>(`select count(*)::int as count from identity.api_keys where revoked_at is null`);
  return rows[0].count;
};

export const insertApiKey = async (
  sql: Sql,
  key: {
    id: string;
    name: string;
    keyHash: string;
    prefix: string;
    scopes: string[];
    createdBy: string;
    createdAt: Date;
    expiresAt: Date | null;
  },
): Promise<ApiKeyView> => {
  const { rows } = await sql.query<Row>(
    `insert into identity.api_keys (id, name, key_hash, key_prefix, scopes, created_by, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     returning id, name, key_prefix, scopes, created_at, expires_at, last_used_at, revoked_at`,
    [key.id, key.name, key.keyHash, key.prefix, key.scopes, key.createdBy, key.createdAt, key.expiresAt],
  );
  return toView(rows[0]);
};

export const getApiKeyForUpdate = async (sql: Sql, id: string): Promise<ApiKeyRecord | null> => {
  const { rows } = await sql.query<Row>(`select id, expires_at, revoked_at from identity.api_keys where id = $1 for update`, [id]);
  return rows[0] ? { id: rows[0].id, expiresAt: rows[0].expires_at, revokedAt: rows[0].revoked_at } : null;
};

export const markApiKeyRevoked = (sql: Sql, id: string, now: Date) =>
  sql.query(`update identity.api_keys set revoked_at = $2 where id = $1 and revoked_at is null`, [id, now]);
