import type { Sql } from '../../../platform/persistence/database';
import type { Product } from '../domain/product';
import { SkuTaken, type Variant } from '../domain/variants';

/* The catalog's state tables: `catalog.products` (one row per product) and `catalog.variants` (one row per SKU). */

type LockedRow = {
  id: string;
  name: string;
  description: string | null;
  category_id: string;
  slug: string;
  options: Product['options'];
  images: string[];
  published: boolean;
  version: number;
  variants: { sku: string; amount: number; currency: string; weightGrams: number; options: Record<string, string> }[];
};

/** The product with its variants, its row locked until the transaction ends; null when no product has this id. */
export const lockProduct = async (tx: Sql, productId: string): Promise<{ product: Product; version: number } | null> => {
  const { rows } = await tx.query<LockedRow>(
    `select p.id, p.name, p.description, p.category_id, c.slug, p.options, p.images, p.published, p.version,
            (select json_agg(json_build_object('sku', v.sku, 'amount', v.price_amount, 'currency', v.currency,
                                               'weightGrams', v.weight_grams, 'options', v.options) order by v.position)
               from catalog.variants v where v.product_id = p.id) as variants
       from catalog.products p join catalog.categories c on c.id = p.category_id
      where p.id = $1 for update of p`,
    [productId],
  );
  const row = rows[0];
  if (!row) return null;
  const variants: Variant[] = row.variants.map((v) => ({
    sku: v.sku,
    price: { amount: Number(v.amount), currency: v.currency },
    weightGrams: v.weightGrams,
    options: v.options,
  }));
  const product: Product = {
    id: row.id,
    name: row.name,
    description: row.description,
    categoryId: row.category_id,
    category: row.slug,
    options: row.options,
    variants,
    images: row.images,
    published: row.published,
  };
  return { product, version: row.version };
};

/**
 * Inserts or updates the variants of these products (a variant's position is its index). A SKU held by another
 * product is refused with SkuTaken: the caller's transaction then rolls back whatever it wrote.
 */
const saveVariants = async (tx: Sql, products: readonly Product[]): Promise<void> => {
  const rows = products.flatMap((p) => p.variants.map((v, position) => ({ ...v, productId: p.id, position })));
  const { rows: saved } = await tx.query<{ sku: string }>(
    `insert into catalog.variants (sku, product_id, position, price_amount, currency, weight_grams, options)
     select * from unnest($1::text[], $2::uuid[], $3::int[], $4::bigint[], $5::text[], $6::int[], $7::jsonb[])
     on conflict (sku) do update
        set price_amount = excluded.price_amount, currency = excluded.currency, weight_grams = excluded.weight_grams, options = excluded.options
      where catalog.variants.product_id = excluded.product_id and catalog.variants.position = excluded.position
     returning sku`,
    [
      rows.map((v) => v.sku),
      rows.map((v) => v.productId),
      rows.map((v) => v.position),
      rows.map((v) => v.price.amount),
      rows.map((v) => v.price.currency),
      rows.map((v) => v.weightGrams),
      rows.map((v) => JSON.stringify(v.options)),
    ],
  );
  if (saved.length < rows.length) {
    const kept = new Set(saved.map((r) => r.sku));
    throw new SkuTaken(rows.find((v) => !kept.has(v.sku))!.sku);
  }
};

/** Inserts new products and their variants (multi-row statements); each is at version 1 (its ProductCreated). */
export const insertProducts = async (tx: Sql, products: readonly Product[], now: Date): Promise<void> => {
  await tx.query(
    `insert into catalog.products (id, name, description, category_id, options, images, published, version, created_at, updated_at)
     select id, name, description, category_id, options, images, published, 1, $8, $8
       from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::jsonb[], $6::jsonb[], $7::boolean[])
            as p(id, name, description, category_id, options, images, published)`,
    [
      products.map((p) => p.id),
      products.map((p) => p.name),
      products.map((p) => p.description),
      products.map((p) => p.categoryId),
      products.map((p) => JSON.stringify(p.options)),
      products.map((p) => JSON.stringify(p.images)),
      products.map((p) => p.published),
      now,
    ],
  );
  await saveVariants(tx, products);
};

/** Writes a changed product (locked by `lockProduct` in the same transaction). */
export const updateProduct = async (tx: Sql, product: Product, version: number, now: Date): Promise<void> => {
  await tx.query(
    `update catalog.products set name = $2, description = $3, category_id = $4, options = $5, images = $6, published = $7,
                                 version = $8, updated_at = $9
      where id = $1`,
    [
      product.id,
      product.name,
      product.description,
      product.categoryId,
      JSON.stringify(product.options),
      JSON.stringify(product.images),
      product.published,
      version,
      now,
    ],
  );
  await saveVariants(tx, [product]);
};

/** The SKUs among these that some product already has. */
export const existingSkus = async (tx: Sql, skus: readonly string[]): Promise<Set<string>> => {
  const { rows } = await tx.query<{ sku: string }>(`select sku from catalog.variants where sku = any($1::text[])`, [skus]);
  return new Set(rows.map((r) => r.sku));
};

/** Rebuilds the read-model rows (`catalog.product_search`, `catalog.product_views`) of these products from the tables above. */
export const refreshProductSearch = async (tx: Sql, productIds: readonly string[]): Promise<void> => {
  if (productIds.length > 0) await tx.query(`select catalog.refresh_product_search($1::uuid[])`, [productIds]);
};
