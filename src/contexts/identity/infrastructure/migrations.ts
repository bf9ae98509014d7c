import type { Migration } from '../../../platform/persistence/database';

/** Schema `identity`: accounts and refresh tokens (state); identity's events live in the event store. */
export const identityMigrations: Migration[] = [
  {
    id: '0001-identity-users',
    sql: `
      create schema if not exists identity;
      create table if not exists identity.users (
        id            uuid primary key,
        email         text not null unique check (email = lower(email)),
        name          text not null,
        password_hash text not null,
        role          text not null check (role in ('customer', 'staff', 'admin')),
        created_at    timestamptz not null
      );
      create table if not exists identity.refresh_tokens (
        id         uuid primary key,
        user_id    uuid not null references identity.users (id) on delete cascade,
        family_id  uuid not null,
        token_hash text not null unique,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        rotated_at timestamptz,
        revoked_at timestamptz
      );
      create index if not exists refresh_tokens_family on identity.refresh_tokens (family_id);
      create index if not exists refresh_tokens_user on identity.refresh_tokens (user_id);
    `,
  },
];
