import type { Migration } from '../../../platform/persistence/database';

/** Schema `inventory`: the inline projection the reservation transaction locks and the CHECKs that back the decider. */
export const inventoryMigrations: Migration[] = [
  {
    id: '0001-inventory',
    sql: `
      create schema if not exists inventory;

      create table inventory.stock_levels (
        sku        text primary key,
        on_hand    integer not null check (on_hand >= 0),
        reserved   integer not null default 0 check (reserved >= 0),
        available  integer generated always as (on_hand - reserved) stored,
        version    integer not null,
        updated_at timestamptz not null,
        constraint stock_levels_available_check check (available >= 0)
      );

      create table inventory.stock_reservations (
        sku      text not null,
        order_id text not null,
        quantity integer not null check (quantity > 0),
        released boolean not null default false,
        primary key (sku, order_id)
      );
    `,
  },
];
