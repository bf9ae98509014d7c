import type { Sql } from '../../../platform/persistence/database';
import { refreshProductSearch } from './product-rows';

export type RecordAvailability = { sku: string; available: number; version: number; at: Date | string };

/**
 * Copies inventory's published stock level into `catalog.product_availability` and refreshes the read-model row of
 * the product that has this SKU. Messages may arrive twice or out of order: a copy older than the stored one
 * changes nothing. Returns whether it changed something.
 */
export const recordAvailability = async (tx: Sql, { sku, available, version, at }: RecordAvailability): Promise<boolean> => {
  const { rowCount } = await tx.query(
    `insert into catalog.product_availability (sku, available, version, updated_at) values ($1, $2, $3, $4)
     on conflict (sku) do update set available = excluded.available, version = excluded.version, updated_at = excluded.updated_at
      where catalog.product_availability.version < excluded.version`,
    [sku, Math.max(0, available), version, at],
  );
  if (!rowCount) return false;
  const { rows } = await tx.query<{ product_id: string }>(`select product_id from catalog.variants where sku = $1`, [sku]);
  await refreshProductSearch(
    tx,
    rows.map((r) => r.product_id),
  );
  return true;
};
