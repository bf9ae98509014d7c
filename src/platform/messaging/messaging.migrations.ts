import type { Migration } from '../persistence/database';

/** Schema `messaging`: the inbox, one row per (subscriber, message id) applied. */
export const messagingMigrations: Migration[] = [
  {
    id: '0001-messaging-inbox',
    sql: `
      create schema if not exists messaging;
      create table if not exists messaging.inbox (
        subscriber text        not null,
        message_id text        not null,
        handled_at timestamptz not null default now(),
        primary key (subscriber, message_id)
      );
    `,
  },
];
