import type { Migration } from '../../../platform/persistence/database';

/** Schema `notifications`: who to write to, every mail queued (one per fact), and the dev mailbox. */
export const notificationsMigrations: Migration[] = [
  {
    id: '0001-notifications',
    sql: `
      create schema if not exists notifications;

      -- copied from identity.user-registered.v1
      create table notifications.recipients (
        customer_id text primary key,
        email       text not null,
        name        text not null,
        updated_at  timestamptz not null
      );

      -- one row per fact worth a mail: the message id of the fact is unique, so a redelivery queues nothing
      create table notifications.mails (
        id          uuid primary key,
        fact_id     text not null unique,
        kind        text not null,
        order_id    text null,
        to_address  text not null,
        subject     text not null,
        text_body   text not null,
        queued_at   timestamptz not null,
        sent_at     timestamptz null
      );
      create index mails_order_idx on notifications.mails (order_id);

      -- what the dev mailbox adapter "sent" (the embedded default has no SMTP server)
      create table notifications.dev_mailbox (
        message_id  text primary key,
        from_address text not null,
        to_address  text not null,
        subject     text not null,
        text_body   text not null,
        received_at timestamptz not null
      );
      create index dev_mailbox_received_idx on notifications.dev_mailbox (received_at desc, message_id);
    `,
  },
];
