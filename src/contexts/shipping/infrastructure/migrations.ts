import type { Migration } from '../../../platform/persistence/database';

/** Schema `shipping`: the methods admins configure, and the inline projection of shipments with their tracking history. */
export const shippingMigrations: Migration[] = [
  {
    id: '0001-shipping',
    sql: `
      create schema if not exists shipping;

      create table shipping.methods (
        code       text primary key,
        name       text not null,
        -- ISO 3166-1 alpha-2 codes; null: every country
        countries  text[] check (countries is null or cardinality(countries) > 0),
        currency   text not null check (currency ~ '^[A-Z]{3}$'),
        -- Rate of domain/shipping-method.ts; amounts in minor units of currency
        rate       jsonb not null check (rate ->> 'type' in ('flat', 'weight', 'brackets')),
        free_over  bigint check (free_over >= 0),
        active     boolean not null default true,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );

      create table shipping.shipments (
        order_id        text primary key,
        shipment_id     uuid not null unique,
        carrier         text not null,
        tracking_number text not null,
        status          text not null check (status in ('dispatched', 'in_transit', 'delivered', 'exception')),
        address         jsonb not null,
        dispatched_at   timestamptz not null,
        delivered_at    timestamptz,
        version         integer not null,
        -- one parcel, one order: a tracking number is never reused across orders
        constraint shipments_tracking_number_key unique (carrier, tracking_number)
      );

      create table shipping.tracking_history (
        order_id         text not null references shipping.shipments (order_id),
        version          integer not null,
        status           text not null,
        carrier_event_id text,
        occurred_at      timestamptz not null,
        recorded_at      timestamptz not null,
        primary key (order_id, version)
      );
    `,
  },
  {
    id: '0002-shipping-parcel-returns',
    sql: `
      -- the carrier intercepted the parcel, or brought it back to the shop
      alter table shipping.shipments drop constraint shipments_status_check;
      alter table shipping.shipments add constraint shipments_status_check
        check (status in ('dispatched', 'in_transit', 'delivered', 'exception', 'intercepted', 'returned_to_sender'));
    `,
  },
  {
    id: '0003-shipping-failed-interceptions',
    sql: `
      -- the carrier delivered a parcel it had reported intercepted
      alter table shipping.shipments add column interception_failed_at timestamptz;
    `,
  },
];
