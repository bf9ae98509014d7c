import type { Sql } from '../../../platform/persistence/database';
import { InvalidInput } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import type { Money } from '../../../shared-kernel/money';

/** What the API shows of a product. */
export type ProductView = {
  id: string;
  sku: string;
  name: string;
  description?: string;
  /** category slug */
  category: string;
  price: Money;
  availableStock: number;
};

export type ProductPage = { items: ProductView[]; nextCursor: string | null };
export type CategoryView = { slug: string; name: string; parent?: string };

type ProductRow = {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  price_amount: string;
  currency: string;
  available: number;
};

/** One statement per read: availability is a LEFT JOIN inside the catalog schema (absent = 0). */
const SELECT_PRODUCTS = `
  select p.id, p.sku, p.name, p.description, c.slug as category, p.price_amount, p.currency, coalesce(a.available, 0) as available
    from catalog.products p
    join catalog.categories c on c.id = p.category_id
    left join catalog.product_availability a on a.sku = p.sku`;

const toView = (row: ProductRow): ProductView => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  ...(row.description !== null ? { description: row.description } : {}),
  category: row.category,
  price: { amount: Number(row.price_amount), currency: row.currency },
  availableStock: Math.max(0, row.available),
});

export const getProduct = async (db: Sql, id: string): Promise<ProductView | null> => {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<ProductRow>(`${SELECT_PRODUCTS} where p.id = $1`, [id]);
  return rows[0] ? toView(rows[0]) : null;
};

/** Opaque to clients: base64url of the last id of the page (ids are UUIDv7, so pages run in creation order). */
export const encodeCursor = (lastId: string): string => Buffer.from(lastId, 'utf8').toString('base64url');

export const decodeCursor = (cursor: string): string => {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw new InvalidInput('catalog.invalid_cursor', 'the cursor is not one this API returned');
  return id;
};

/** Keyset pagination by id (never OFFSET): each page is an index range scan of at most `limit + 1` rows. */
export const findProducts = async (db: Sql, query: { limit: number; cursor?: string; category?: string }): Promise<ProductPage> => {
  const params: unknown[] = [];
  const where: string[] = [];
  if (query.cursor !== undefined) {
    params.push(decodeCursor(query.cursor));
    where.push(`p.id > $${params.length}`);
  }
  if (query.category !== undefined) {
    params.push(query.category);
    where.push(`p.category_id = (select id from catalog.categories where slug = $${params.length})`);
  }
  params.push(query.limit + 1);
  const sql = `${SELECT_PRODUCTS} ${where.length ? `where ${where.join(' and ')}` : ''} order by p.id limit $${params.length}`;
  const { rows } = await db.query<ProductRow>(sql, params);
  const items = rows.slice(0, query.limit).map(toView);
  return { items, nextCursor: rows.length > query.limit ? encodeCursor(items[items.length - 1].id) : null };
};

export const findCategories = async (db: Sql): Promise<CategoryView[]> => {
  const { rows } = await db.query<{ slug: string; name: string; parent: string | null }>(
    `select c.slug, c.name, p.slug as parent from catalog.categories c left join catalog.categories p on p.id = c.parent_id order by c.slug`,
  );
  return rows.map(({ slug, name, parent }) => ({ slug, name, ...(parent !== null ? { parent } : {}) }));
};

/** The category's id, or null when no category has this slug. */
export const findCategoryId = async (db: Sql, slug: string): Promise<string | null> => {
  const { rows } = await db.query<{ id: string }>(`select id from catalog.categories where slug = $1`, [slug]);
  return rows[0]?.id ?? null;
};
