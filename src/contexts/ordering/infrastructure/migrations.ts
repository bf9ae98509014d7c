import type { Migration } from '../../../platform/persistence/database';

/** Schema `ordering`: the orders read model, kept by an inline projection in the append transaction. */
export const orderingMigrations: Migration[] = [
  {
    id: '0001-ordering-orders',
    sql: `
      create schema if not exists ordering;

      create table ordering.orders (
        id                  uuid primary key,
        customer_id         text        not null,
        status              text        not null check (status in ('placed', 'confirmed', 'cancelled')),
        lines               jsonb       not null,
        total               bigint      not null,
        currency            char(3)     not null,
        shipping_address    jsonb       not null,
        cancellation_reason text,
        placed_at           timestamptz not null,
        updated_at          timestamptz not null
      );

      create index orders_by_customer on ordering.orders (customer_id, placed_at desc, id desc);
    `,
  },
  {
    id: '0002-ordering-cart-checkouts',
    sql: `
      -- one order per version of a cart: two checkouts of the same cart contents (two tabs, a retry with a new key)
      -- cannot both become orders
      create table ordering.cart_checkouts (
        cart_id text not null,
        cart_version integer not null,
        order_id uuid not null,
        primary key (cart_id, cart_version)
      );
    `,
  },
];
