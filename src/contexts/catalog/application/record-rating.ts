import type { Sql } from '../../../platform/persistence/database';
import { refreshProductSearch } from './product-rows';

export type RecordRating = { productId: string; average: number; count: number; version: number; at: Date | string };

/**
 * Copies the rating reviews published for a product into `catalog.product_ratings` and refreshes its read-model
 * row. A copy older than the stored one (a redelivery, or a message overtaken by a newer one) changes nothing.
 * Returns whether it changed something.
 */
export const recordRating = async (tx: Sql, { productId, average, count, version, at }: RecordRating): Promise<boolean> => {
  const { rowCount } = await tx.query(
    `insert into catalog.product_ratings (product_id, average, count, version, updated_at) values ($1, $2, $3, $4, $5)
     on conflict (product_id) do update set average = excluded.average, count = excluded.count, version = excluded.version,
                                            updated_at = excluded.updated_at
      where catalog.product_ratings.version < excluded.version`,
    [productId, Math.round(Math.min(5, Math.max(0, average)) * 100) / 100, count, version, at],
  );
  if (!rowCount) return false;
  await refreshProductSearch(tx, [productId]);
  return true;
};
