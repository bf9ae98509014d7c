import type { Migration } from '../../../platform/persistence/database';

/**
 * Schema `inventory`: the inline projections the stock transactions lock (with the CHECKs that back the decider) and
 * the stock ledger.
 */
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
  {
    id: '0002-inventory-holds-and-ledger',
    sql: `
      -- a hold is held, released, committed (its units left on-hand) or restocked (its committed order was cancelled);
      -- "released" stays readable: the order no longer has these units
      alter table inventory.stock_reservations
        add column status text not null default 'held' check (status in ('held', 'released', 'committed', 'restocked'));
      update inventory.stock_reservations set status = 'released' where released;
      alter table inventory.stock_reservations drop column released;
      alter table inventory.stock_reservations add column released boolean generated always as (status in ('released', 'restocked')) stored;

      -- every movement of a SKU, one row per stock event that changes its levels (key: the stock stream's version)
      create table inventory.stock_ledger (
        sku             text not null,
        version         integer not null,
        kind            text not null,
        reason          text not null,
        note            text,
        on_hand_change  integer not null,
        reserved_change integer not null,
        on_hand         integer not null,
        reserved        integer not null,
        order_id        text,
        return_id       text,
        user_id         text,
        occurred_at     timestamptz not null,
        primary key (sku, version)
      );

      insert into inventory.stock_ledger
        (sku, version, kind, reason, on_hand_change, reserved_change, on_hand, reserved, order_id, user_id, occurred_at)
      select e.data->>'sku', e.version,
             case e.type when 'StockLevelSet' then 'set_level' when 'StockReserved' then 'reservation' else 'release' end,
             case e.type when 'StockLevelSet' then 'set_level' when 'StockReserved' then 'reservation'
                         else coalesce(e.data->>'reason', 'requested') end,
             (e.data->'level'->>'onHand')::int - coalesce(lag((e.data->'level'->>'onHand')::int) over w, 0),
             (e.data->'level'->>'reserved')::int - coalesce(lag((e.data->'level'->>'reserved')::int) over w, 0),
             (e.data->'level'->>'onHand')::int, (e.data->'level'->>'reserved')::int,
             e.data->>'orderId', e.metadata->>'userId', (e.metadata->>'occurredAt')::timestamptz
        from es.events e
       where e.stream like 'inventory.stock-%' and e.type in ('StockLevelSet', 'StockReserved', 'StockReleased')
      window w as (partition by e.stream order by e.version);
    `,
  },
];
