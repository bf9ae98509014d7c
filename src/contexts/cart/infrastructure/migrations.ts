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
  {
    // the token itself is never stored: a lookup hashes the presented token
    id: '0002-cart-guest-carts',
    sql: `
      create table cart.guest_carts (
        token_hash  text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
        cart_id     text not null unique,
        created_at  timestamptz not null,
        expires_at  timestamptz not null check (expires_at > created_at),
        merged_into text,
        merged_at   timestamptz,
        check ((merged_into is null) = (merged_at is null))
      );
      create index guest_carts_expires_at on cart.guest_carts (expires_at);
    `,
  },
];
