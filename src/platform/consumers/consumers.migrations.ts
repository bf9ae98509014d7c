import type { Migration } from '../persistence/database';

/** Checkpoints, pending retries and dead letters of the log consumers. */
export const consumersMigrations: Migration[] = [
  {
    id: '0002-platform-consumers',
    sql: `
      create schema if not exists es;

      create table es.checkpoints (
        consumer text primary key,
        transaction_id xid8 not null default '0',
        position bigint not null default 0,
        updated_at timestamptz not null default now()
      );

      create table es.consumer_failures (
        consumer text not null,
        global_position bigint not null,
        attempts int not null,
        next_attempt_at timestamptz not null,
        last_error text not null,
        primary key (consumer, global_position)
      );

      create table es.dead_letters (
        id bigserial primary key,
        consumer text not null,
        global_position bigint not null,
        event_id uuid not null,
        type text not null,
        error text not null,
        attempts int not null,
        created_at timestamptz not null default now()
      );
      create index dead_letters_consumer_idx on es.dead_letters (consumer);
    `,
  },
];
