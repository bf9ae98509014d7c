import type { Migration } from '../../../platform/persistence/database';
import { CATALOG_0002_VARIANTS_SEARCH } from './variants-search.migration';

/**
 * Schema `catalog`: categories and products (state), and availability copied from inventory's integration events;
 * from 0002 products have options and variants (one SKU each), ratings are copied from reviews, and
 * `product_search` is the denormalized read model every list, product page and search reads.
 */
export const catalogMigrations: Migration[] = [
  {
    id: '0001-catalog',
    sql: `
      create schema if not exists catalog;

      create table catalog.categories (
        id         uuid primary key,
        slug       text not null unique,
        name       text not null,
        parent_id  uuid null references catalog.categories (id),
        created_at timestamptz not null
      );

      create table catalog.products (
        id           uuid primary key,
        sku          text not null unique,
        name         text not null,
        description  text null,
        category_id  uuid not null references catalog.categories (id),
        price_amount bigint not null check (price_amount > 0),
        currency     text not null check (currency ~ '^[A-Z]{3}$'),
        version      integer not null,
        created_at   timestamptz not null,
        updated_at   timestamptz not null
      );
      -- keyset pages of one category: WHERE category_id = $1 AND id > $2 ORDER BY id
      create index products_category_page_idx on catalog.products (category_id, id);

      create table catalog.product_availability (
        sku        text primary key,
        available  integer not null,
        version    integer not null,
        updated_at timestamptz not null
      );
    `,
  },
  {
    id: '0002-catalog-variants-search',
    sql: CATALOG_0002_VARIANTS_SEARCH,
  },
];
