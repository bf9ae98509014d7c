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
  {
    id: '0004-ordering-pricing',
    sql: `
      -- checkout pricing: the order's charges (shipping, discount, tax) next to its lines
      alter table ordering.orders
        add column charges jsonb not null default '[]',
        add column coupon_code text,
        add column shipping_method text;

      -- one tax rate per shipping country, in basis points (1900 = 19%)
      create table ordering.tax_rates (
        country    char(2)     primary key,
        rate_bps   integer     not null check (rate_bps between 0 and 10000),
        name       text        not null,
        updated_at timestamptz not null
      );

      -- used never passes usage_limit: checkouts take a use with a conditional update, this CHECK is the backstop
      create table ordering.coupons (
        code               text        primary key,
        type               text        not null check (type in ('percentage', 'fixed')),
        value              bigint      not null check (value > 0),
        currency           char(3),
        min_order          bigint      check (min_order > 0),
        min_order_currency char(3),
        expires_at         timestamptz,
        usage_limit        integer     check (usage_limit > 0),
        used               integer     not null default 0 check (used >= 0),
        created_at         timestamptz not null,
        check (usage_limit is null or used <= usage_limit),
        check ((type = 'fixed') = (currency is not null)),
        check (type = 'fixed' or value <= 100),
        check ((min_order is null) = (min_order_currency is null))
      );

      -- which order holds a use of which coupon: a cancelled order gives its use back exactly once
      create table ordering.coupon_redemptions (
        order_id    uuid        primary key,
        code        text        not null references ordering.coupons (code),
        redeemed_at timestamptz not null
      );
    `,
  },
  {
    id: '0003-ordering-lifecycle',
    sql: `
      -- after the checkout: shipped, delivered, refunded (everything captured went back)
      alter table ordering.orders drop constraint orders_status_check;
      alter table ordering.orders add constraint orders_status_check
        check (status in ('placed', 'confirmed', 'shipped', 'delivered', 'cancelled', 'refunded'));
      alter table ordering.orders
        add column carrier         text,
        add column tracking_number text,
        add column shipped_at      timestamptz,
        add column delivered_at    timestamptz,
        add column refunded_total  bigint not null default 0,
        add constraint orders_refunded_within_total check (refunded_total between 0 and total);

      -- the staff list: newest first, by status or not; a customer's list uses orders_by_customer
      create index orders_by_placed on ordering.orders (placed_at desc, id desc);
      create index orders_by_status on ordering.orders (status, placed_at desc, id desc);

      create table ordering.order_refunds (
        id               uuid        primary key,
        order_id         uuid        not null,
        amount           bigint      not null check (amount > 0),
        currency         char(3)     not null,
        reason           text        not null check (reason in ('cancellation', 'return', 'goodwill')),
        note             text,
        return_id        uuid,
        status           text        not null check (status in ('requested', 'completed', 'rejected')),
        rejection_reason text,
        requested_at     timestamptz not null,
        settled_at       timestamptz
      );
      create index order_refunds_by_order on ordering.order_refunds (order_id, requested_at);

      -- returns live in their order's stream; this table lists them and resolves a return id to its order
      create table ordering.returns (
        id            uuid        primary key,
        order_id      uuid        not null,
        customer_id   text        not null,
        status        text        not null check (status in ('requested', 'approved')),
        lines         jsonb       not null,
        refund_amount bigint      check (refund_amount >= 0),
        currency      char(3),
        requested_at  timestamptz not null,
        approved_at   timestamptz
      );
      create index returns_by_order on ordering.returns (order_id, requested_at);
    `,
  },
  {
    // one order per checkout of a cart: the cart counts an order once its lines have left it, so the next order can
    // only be claimed from a cart that no longer holds the previous order's lines (a cart version cannot say that:
    // adding an item moves the version while the ordered lines are still in the cart)
    id: '0005-ordering-cart-checkout-numbers',
    sql: `
      alter table ordering.cart_checkouts add column checkout_number integer;
      create unique index cart_checkouts_one_order_per_number on ordering.cart_checkouts (cart_id, checkout_number);
    `,
  },
  {
    id: '0006-ordering-parcel-returns',
    sql: `
      -- the carrier intercepted the shipped parcel or brought it back (the latest report)
      alter table ordering.orders
        add column parcel_return      text check (parcel_return in ('intercepted', 'returned_to_sender')),
        add column parcel_returned_at timestamptz;
    `,
  },
  {
    id: '0007-ordering-dispatches',
    sql: `
      -- dispatching: staff asked shipping to hand the order to a carrier and the answer is not in yet
      alter table ordering.orders drop constraint orders_status_check;
      alter table ordering.orders add constraint orders_status_check
        check (status in ('placed', 'confirmed', 'dispatching', 'shipped', 'delivered', 'cancelled', 'refunded'));
      alter table ordering.orders
        add column dispatch_carrier         text,
        add column dispatch_tracking_number text,
        add column dispatch_requested_at    timestamptz,
        -- the carrier delivered the parcel after it had reported it intercepted
        add column interception_failed_at   timestamptz;
    `,
  },
];
