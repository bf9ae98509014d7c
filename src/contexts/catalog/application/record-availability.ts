import type { Sql } from '../../../platform/persistence/database';

export type RecordAvailability = { sku: string; available: number; version: number; at: Date | string };

/**
 * Copies inventory's published stock level into `catalog.product_availability` (the product list joins it).
 * Messages may arrive twice or out of order: a copy older than the stored one changes nothing.
 */
export const recordAvailability = async (tx: Sql, { sku, available, version, at }: RecordAvailability): Promise<void> => {
  await tx.query(
    `insert into catalog.product_availability (sku, available, version, updated_at) values ($1, $2, $3, $4)
     on conflict (sku) do update set available = excluded.available, version = excluded.version, updated_at = excluded.updated_at
      where catalog.product_availability.version < excluded.version`,
    [sku, Math.max(0, available), version, at],
  );
};
