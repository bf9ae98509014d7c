import type { Migration } from '../persistence/database';

/** Schema `http`: the stored first response per Idempotency-Key (see IdempotencyInterceptor). */
export const httpMigrations: Migration[] = [
  {
    id: '0001-http-idempotency-keys',
    sql: `
      create schema if not exists http;
      create table if not exists http.idempotency_keys (
        scope            text        not null,
        key              text        not null check (length(key) between 1 and 255),
        request_hash     text        not null,
        state            text        not null check (state in ('in_flight', 'completed')),
        locked_until     timestamptz,
        response_status  integer,
        response_body    jsonb,
        response_headers jsonb,
        created_at       timestamptz not null,
        expires_at       timestamptz not null,
        primary key (scope, key),
        check (state = 'in_flight' and locked_until is not null or state = 'completed' and response_status is not null)
      );
      create index if not exists idempotency_keys_expires_at on http.idempotency_keys (expires_at);
    `,
  },
];
