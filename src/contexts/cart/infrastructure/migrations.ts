import type { Migration } from '../../../platform/persistence/database';

/** Schema `cart`: the current state of each cart stream, kept by an inline projection (reads and decisions use it). */
export const cartMigrations: Migration[] = [
  {
    id: '0001-cart',
    sql: `
      create schema if not exists cart;

      create table cart.carts (
        cart_id    text primary key,
        version    integer not null,
        state      jsonb not null,
        updated_at timestamptz not null
      );
    `,
  },
];
