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
];
