import type { Sql } from '../../../platform/persistence/database';
import { InvalidInput } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import type { Money } from '../../../shared-kernel/money';
import type { ProductOption } from '../domain/variants';

/** What the API shows of a variant: its SKU, option values, price, weight and the stock inventory published for it. */
export type VariantView = { sku: string; options: Record<string, string>; price: Money; weightGrams: number; availableStock: number };

/**
 * What the API shows of a product. `sku`, `price` and `availableStock` summarise the variants for clients of a
 * product of one SKU: the first variant's SKU, the lowest price, the stock of all variants together.
 */
export type ProductView = {
  id: string;
  sku: string;
  name: string;
  description?: string;
  /** category slug */
  category: string;
  price: Money;
  availableStock: number;
  options: ProductOption[];
  variants: VariantView[];
  images: string[];
  published: boolean;
  rating: { average: number; count: number };
};

/** Customers and anonymous callers see published products only; staff and admins see every product. */
export type Audience = 'public' | 'staff';

export type ProductPage = { items: ProductView[]; nextCursor: string | null };
export type CategoryView = { slug: string; name: string; parent?: string };
export type CategoryNode = { slug: string; name: string; children: CategoryNode[] };

const visibleTo = (audience: Audience) => (audience === 'public' ? 'and s.published' : '');

/** The product's view (from the read model); null when absent or hidden from `audience`. */
export const getProduct = async (db: Sql, id: string, audience: Audience = 'public'): Promise<ProductView | null> => {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<{ view: ProductView }>(
    `select v.view from catalog.product_search s join catalog.product_views v on v.product_id = s.product_id
      where s.product_id = $1 ${visibleTo(audience)}`,
    [id],
  );
  return rows[0]?.view ?? null;
};

/** Opaque to clients: base64url of the last id of the page (ids are UUIDv7, so pages run in creation order). */
export const encodeCursor = (lastId: string): string => Buffer.from(lastId, 'utf8').toString('base64url');

export const decodeCursor = (cursor: string): string => {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw new InvalidInput('catalog.invalid_cursor', 'the cursor is not one this API returned');
  return id;
};

/**
 * Keyset pagination by id (never OFFSET) over the read model: each page is an index range scan of at most
 * `limit + 1` rows. A category includes its descendants.
 */
export const findProducts = async (
  db: Sql,
  query: { limit: number; cursor?: string; category?: string },
  audience: Audience = 'public',
): Promise<ProductPage> => {
  const params: unknown[] = [];
  const where = [`true ${visibleTo(audience)}`];
  if (query.cursor !== undefined) {
    params.push(decodeCursor(query.cursor));
    where.push(`s.product_id > $${params.length}`);
  }
  if (query.category !== undefined) {
    params.push(query.category);
    where.push(`s.category_path @> array[(select id from catalog.categories where slug = $${params.length})]`);
  }
  params.push(query.limit + 1);
  const { rows } = await db.query<{ view: ProductView }>(
    `select v.view from catalog.product_search s join catalog.product_views v on v.product_id = s.product_id
      where ${where.join(' and ')} order by s.product_id limit $${params.length}`,
    params,
  );
  const items = rows.slice(0, query.limit).map((r) => r.view);
  return { items, nextCursor: rows.length > query.limit ? encodeCursor(items[items.length - 1].id) : null };
};

/** Every category (sorted by slug) with its parent's slug. */
export const findCategories = async (db: Sql): Promise<CategoryView[]> => {
  const { rows } = await db.query<{ slug: string; name: string; parent: string | null }>(
    `select c.slug, c.name, p.slug as parent from catalog.categories c left join catalog.categories p on p.id = c.parent_id order by c.slug`,
  );
  return rows.map(({ slug, name, parent }) => ({ slug, name, ...(parent !== null ? { parent } : {}) }));
};

/** The categories as a tree: roots, each with its children, sorted by slug at every level. */
export const categoryTree = (categories: readonly CategoryView[]): CategoryNode[] => {
  const nodes = new Map(categories.map((c) => [c.slug, { slug: c.slug, name: c.name, children: [] as CategoryNode[] }]));
  const roots: CategoryNode[] = [];
  for (const category of categories) {
    const node = nodes.get(category.slug)!;
    const parent = category.parent !== undefined ? nodes.get(category.parent) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
};

/** The category with its ancestors' ids (root first, itself last), or null when no category has this slug. */
export const findCategory = async (db: Sql, slug: string): Promise<{ id: string; path: string[] } | null> => {
  const { rows } = await db.query<{ id: string; path: string[] }>(`select id, path from catalog.categories where slug = $1`, [slug]);
  return rows[0] ?? null;
};
