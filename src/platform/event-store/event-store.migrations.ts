import type { Migration } from '../persistence/database';

/** The global log (`es.events`) and the first result of every command (`es.command_results`). */
export const eventStoreMigrations: Migration[] = [
  {
    id: '0001-platform-event-store',
    sql: `
      create schema if not exists es;

      create table es.events (
        global_position bigserial primary key,
        transaction_id xid8 not null default pg_current_xact_id(),
        stream text not null,
        version int not null check (version > 0),
        event_id uuid not null unique,
        type text not null,
        schema_version int not null default 1,
        data jsonb not null,
        metadata jsonb not null,
        created_at timestamptz not null default now(),
        constraint events_stream_version_key unique (stream, version)
      );
      -- readers consume (transaction_id, global_position) in order
      create index events_transaction_position_idx on es.events (transaction_id, global_position);

      create table es.command_results (
        command_id text primary key,
        stream text not null,
        first_version int not null,
        last_version int not null
      );
    `,
  },
];
