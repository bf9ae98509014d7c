import type { Migration } from '../../../platform/persistence/database';

/**
 * Schema `identity`: accounts, refresh tokens, address books, API keys, failed-login counters, known login sources
 * and revoked sessions (state); identity's events live in the event store.
 */
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
  {
    id: '0002-identity-addresses',
    sql: `
      create table identity.addresses (
        id          uuid primary key,
        user_id     uuid not null references identity.users (id) on delete cascade,
        name        text not null check (length(name) between 1 and 200),
        line1       text not null check (length(line1) between 1 and 200),
        line2       text check (length(line2) between 1 and 200),
        city        text not null check (length(city) between 1 and 100),
        postal_code text not null check (length(postal_code) between 1 and 20),
        country     text not null check (country ~ '^[A-Z]{2}$'),
        phone       text check (length(phone) between 3 and 32),
        is_default  boolean not null default false,
        created_at  timestamptz not null,
        updated_at  timestamptz not null
      );
      create index addresses_user on identity.addresses (user_id, created_at);
      -- at most one default address per user
      create unique index addresses_one_default on identity.addresses (user_id) where is_default;
    `,
  },
  {
    id: '0003-identity-api-keys',
    sql: `
      create table identity.api_keys (
        id           uuid primary key,
        name         text not null check (length(name) between 1 and 100),
        key_hash     text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
        key_prefix   text not null,
        scopes       text[] not null check (cardinality(scopes) between 1 and 50),
        created_by   uuid not null,
        created_at   timestamptz not null,
        expires_at   timestamptz check (expires_at > created_at),
        revoked_at   timestamptz,
        last_used_at timestamptz
      );
      create index api_keys_active on identity.api_keys (created_at) where revoked_at is null;
    `,
  },
  {
    id: '0004-identity-login-failures',
    sql: `
      -- failed logins per subject ('account:<sha-256 of the email>' or 'address:<client ip>') in a fixed window
      create table identity.login_failures (
        subject           text primary key,
        failures          integer not null check (failures > 0),
        window_started_at timestamptz not null
      );
      create index login_failures_window on identity.login_failures (window_started_at);
    `,
  },
  {
    id: '0005-identity-login-sources-and-revoked-sessions',
    sql: `
      -- counts now slow attempts down from a subject's last failure instead of locking it out for a fixed window;
      -- the old counters are transient and are dropped rather than converted
      drop table identity.login_failures;
      -- 'pair:<sha-256 of email and client network>', 'account:<sha-256 of the email>' or 'address:<client network>'
      create table identity.login_failures (
        subject         text primary key,
        failures        integer not null check (failures > 0),
        last_failure_at timestamptz not null
      );
      create index login_failures_last on identity.login_failures (last_failure_at);

      -- pairs (a 'pair:' subject) that logged in successfully: the account's owner has been at that address
      create table identity.known_login_sources (
        source          text primary key,
        last_success_at timestamptz not null
      );
      create index known_login_sources_last on identity.known_login_sources (last_success_at);

      -- sessions (refresh-token families) ended before their access tokens expire; kept for one access-token lifetime
      create table identity.revoked_sessions (
        session_id uuid primary key,
        revoked_at timestamptz not null
      );
      create index revoked_sessions_revoked_at on identity.revoked_sessions (revoked_at);
    `,
  },
];
