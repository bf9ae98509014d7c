import type { Sql } from '../../../platform/persistence/database';
import { refreshProductSearch } from './product-rows';

export type RecordAvailability = { sku: string; available: number; version: number; at: Date | string };

/**
 * Copies inventory's published stock level into `catalog.product_availability` and refreshes the read-model row of
 * the product that has this SKU. Messages may arrive twice or out of order: a copy older than the stored one
 * changes nothing. Returns whether it changed a product.
 */
export const recordAvailability = async (tx: Sql, level: RecordAvailability): Promise<boolean> =>
  (await recordAvailabilities(tx, [level])) > 0;

/**
 * `recordAvailability` for several stock levels in two statements (the newest copy per SKU wins): what a batch of
 * `inventory.stock-level-changed.v1` costs. A newer copy with the same available quantity (a reservation committed:
 * on hand and reserved both fall) only moves the stored version, so that an older copy arriving late is still refused;
 * the product rows are refreshed only where the quantity changed. Returns how many products it changed.
 */
export const recordAvailabilities = async (tx: Sql, levels: readonly RecordAvailability[]): Promise<number> => {
  const newest = new Map<string, RecordAvailability>();
  for (const level of levels) if ((newest.get(level.sku)?.version ?? 0) < level.version) newest.set(level.sku, level);
  if (newest.size === 0) return 0;
  const rows = [...newest.values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  const { rows: changed } = await tx.query<{ product_id: string }>(
    `with stored as (select sku, available from catalog.product_availability where sku = any($1::text[])),
     copied as (
       insert into catalog.product_availability (sku, available, version, updated_at)
       select * from unnest($1::text[], $2::int[], $3::int[], $4::timestamptz[])
       on conflict (sku) do update set available = excluded.available, version = excluded.version, updated_at = excluded.updated_at
        where catalog.product_availability.version < excluded.version
       returning sku, available)
     select distinct v.product_id
     from copied c left join stored s on s.sku = c.sku join catalog.variants v on v.sku = c.sku
     where s.available is distinct from c.available`,
    [rows.map((r) => r.sku), rows.map((r) => Math.max(0, r.available)), rows.map((r) => r.version), rows.map((r) => r.at)],
  );
  await refreshProductSearch(
    tx,
    changed.map((r) => r.product_id),
  );
  return changed.length;
};
