import type { Migration } from '../persistence/database';

/** Scheduled messages (timeouts): appended to their stream when due. */
export const schedulingMigrations: Migration[] = [
  {
    id: '0003-platform-scheduling',
    sql: `
      create schema if not exists es;

      create table es.scheduled_messages (
        key text primary key,
        stream text not null,
        event jsonb not null,
        due_at timestamptz not null,
        meta jsonb not null,
        delivered_at timestamptz
      );
      create index scheduled_messages_due_idx on es.scheduled_messages (due_at) where delivered_at is null;
    `,
  },
];
