import type { Migration } from '../../../platform/persistence/database';

/** Schema `analytics`: read models built only from other contexts' integration events (rebuildable from the log). */
export const analyticsMigrations: Migration[] = [
  {
    id: '0001-analytics',
    sql: `
      create schema if not exists analytics;

      create table analytics.orders (
        order_id      text primary key,
        customer_id   text not null,
        status        text not null,
        currency      text not null,
        total         bigint not null,
        refunded      bigint not null default 0,
        placed_day    date not null,
        confirmed_day date null
      );
      create index analytics_orders_placed_idx on analytics.orders (placed_day);
      create index analytics_orders_confirmed_idx on analytics.orders (confirmed_day) where confirmed_day is not null;

      create table analytics.order_lines (
        order_id   text not null,
        line_no    int not null,
        sku        text not null,
        product_id text null,
        name       text not null,
        quantity   int not null,
        amount     bigint not null,
        currency   text not null,
        primary key (order_id, line_no)
      );

      create table analytics.daily_sales (
        day              date not null,
        currency         text not null,
        confirmed_orders int not null default 0,
        revenue          bigint not null default 0,
        refunds          bigint not null default 0,
        primary key (day, currency)
      );

      create table analytics.daily_carts (
        day           date primary key,
        carts_started int not null default 0
      );
    `,
  },
  {
    // A broker delivers in no order: a fact about an order may be handled before its placement. Whichever fact comes
    // first creates the order's row with what it knows (placed_day stays null until the placement fills in the rest),
    // each step keeps its time, and the status only moves forward: the enum ranks the statuses as ordering's lifecycle
    // orders them (a shipped order may still be cancelled, a delivered one never; a cancelled or delivered one may be
    // refunded in full, and nothing follows that), and every write keeps the greatest.
    id: '0002-analytics-orders-in-any-order',
    sql: `
      create type analytics.order_status as enum ('placed', 'confirmed', 'shipped', 'delivered', 'cancelled', 'refunded');

      alter table analytics.orders
        alter column status type analytics.order_status using status::analytics.order_status,
        alter column customer_id drop not null,
        alter column currency drop not null,
        alter column total drop not null,
        alter column placed_day drop not null,
        -- null until the first refund: a row never refunded stays as narrow as before the steps' columns (they grow the
        -- tuple's header by 8 bytes where a null is left)
        alter column refunded drop not null,
        alter column refunded drop default,
        add column shipped_at timestamptz null,
        add column delivered_at timestamptz null,
        add column cancelled_at timestamptz null,
        add column refunded_at timestamptz null; -- the latest refund; refunded: the most refunded so far
    `,
  },
];
