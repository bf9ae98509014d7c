import type { Migration } from '../../../platform/persistence/database';

/** Schema `reviews`: verified purchases (from ordering's deliveries), reviews, and each product's rating. */
export const reviewsMigrations: Migration[] = [
  {
    id: '0001-reviews',
    sql: `
      create schema if not exists reviews;

      -- from ordering.order-delivered.v1: who received which product in which order
      create table reviews.purchases (
        customer_id  text not null,
        product_id   text not null,
        order_id     text not null,
        delivered_at timestamptz not null,
        primary key (customer_id, product_id, order_id)
      );

      -- from identity.user-registered.v1: the name shown with a review
      create table reviews.reviewers (
        customer_id text primary key,
        name        text not null
      );

      create table reviews.reviews (
        id          uuid primary key,
        product_id  text not null,
        customer_id text not null,
        order_id    text not null,
        rating      smallint not null check (rating between 1 and 5),
        body        text not null check (char_length(body) between 1 and 2000),
        hidden      boolean not null default false,
        hidden_reason text null,
        created_at  timestamptz not null,
        unique (customer_id, product_id)
      );
      -- a product's page: visible reviews, newest first (keyset on created_at, id)
      create index reviews_product_page_idx on reviews.reviews (product_id, created_at desc, id desc) where not hidden;

      create table reviews.product_ratings (
        product_id text primary key,
        count      int not null default 0,
        sum        int not null default 0,
        version    int not null default 0
      );
    `,
  },
];
