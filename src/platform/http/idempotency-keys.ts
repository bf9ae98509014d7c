import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Database } from '../persistence/database';
import type { OrderlyRequest } from './request-context';

/** How long a stored response is replayed. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long a request may hold its key before another request with the same key may take it over (a crashed process). */
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;

export type StoredResponse = { status: number; body: unknown; headers: Record<string, string> };

export type Claim =
  { outcome: 'claimed' } | { outcome: 'completed'; response: StoredResponse } | { outcome: 'in_flight' } | { outcome: 'mismatch' };

type Row = {
  request_hash: string;
  state: 'in_flight' | 'completed';
  locked_until: Date | null;
  response_status: number | null;
  response_body: unknown;
  response_headers: Record<string, string> | null;
  expires_at: Date;
};

/** The header a guest sends their cart token in (issued by the cart). */
export const CART_TOKEN_HEADER = 'x-cart-token';
/** The scope of requests that have neither a principal nor a cart token. */
export const ANONYMOUS = 'anonymous';

/**
 * Whose keys a request's Idempotency-Key is one of: the authenticated principal; else the guest cart token, hashed
 * (a guest's key never meets another guest's, and the token is not stored); else everyone anonymous together.
 */
export const callerScope = (request: OrderlyRequest): string => {
  if (request.user) return request.user.id;
  const value = request.headers[CART_TOKEN_HEADER];
  const token = (Array.isArray(value) ? value[0] : value)?.trim();
  return token ? `cart-token:${createHash('sha256').update(token).digest('hex')}` : ANONYMOUS;
};

/** JSON with object keys sorted at every level, so the same logical body always hashes the same. */
export const canonicalJson = (value: unknown): string => {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
};

export const requestHash = (body: unknown, params: unknown): string =>
  createHash('sha256')
    .update(canonicalJson({ body: body ?? null, params: params ?? {} }))
    .digest('hex');

/**
 * The `http.idempotency_keys` table. Each call is one statement, i.e. its own short transaction,
 * independent of the transaction of the command it guards.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(private readonly db: Database) {}

  /**
   * Takes the key for this request, atomically: a new key, an expired row, or an in-flight row whose lease ran out
   * (same body) is taken; otherwise the existing row decides (replay, 409 in flight, 422 different body).
   */
  async claim(scope: string, key: string, hash: string, now: Date): Promise<Claim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const taken = await this.db.query(
        `insert into http.idempotency_keys (scope, key, request_hash, state, locked_until, created_at, expires_at)
         values ($1, $2, $3, 'in_flight', $4, $5, $6)
         on conflict (scope, key) do update
           set request_hash = excluded.request_hash, state = 'in_flight', locked_until = excluded.locked_until,
               response_status = null, response_body = null, response_headers = null,
               created_at = excluded.created_at, expires_at = excluded.expires_at
           where http.idempotency_keys.expires_at <= $5
              or (http.idempotency_keys.state = 'in_flight' and http.idempotency_keys.locked_until <= $5
                  and http.idempotency_keys.request_hash = excluded.request_hash)
         returning 1`,
        [scope, key, hash, new Date(now.getTime() + IDEMPOTENCY_LEASE_MS), now, new Date(now.getTime() + IDEMPOTENCY_RETENTION_MS)],
      );
      if (taken.rows.length > 0) return { outcome: 'claimed' };

      const { rows } = await this.db.query<Row>(
        `select request_hash, state, locked_until, response_status, response_body, response_headers, expires_at
           from http.idempotency_keys where scope = $1 and key = $2`,
        [scope, key],
      );
      const row = rows[0];
      if (!row) continue; // released between the two statements: try to take it again
      if (row.request_hash !== hash) return { outcome: 'mismatch' };
      if (row.state === 'completed') {
        return {
          outcome: 'completed',
          response: { status: row.response_status ?? 200, body: row.response_body, headers: row.response_headers ?? {} },
        };
      }
      return { outcome: 'in_flight' };
    }
    return { outcome: 'in_flight' };
  }

  /** Stores the response to replay; from now on the key answers with it until it expires. */
  async complete(scope: string, key: string, hash: string, response: StoredResponse): Promise<void> {
    await this.db.query(
      `update http.idempotency_keys
          set state = 'completed', locked_until = null, response_status = $4, response_body = $5::jsonb, response_headers = $6::jsonb
        where scope = $1 and key = $2 and request_hash = $3`,
      [scope, key, hash, response.status, JSON.stringify(response.body ?? null), JSON.stringify(response.headers)],
    );
  }

  /** Forgets an in-flight key (validation failure, server error): a retry with the key runs again. */
  async release(scope: string, key: string, hash: string): Promise<void> {
    await this.db.query(`delete from http.idempotency_keys where scope = $1 and key = $2 and request_hash = $3 and state = 'in_flight'`, [
      scope,
      key,
      hash,
    ]);
  }

  /** Deletes expired rows; returns how many. */
  async purgeExpired(now: Date): Promise<number> {
    const result = await this.db.query(`delete from http.idempotency_keys where expires_at <= $1`, [now]);
    return result.rowCount ?? 0;
  }
}
