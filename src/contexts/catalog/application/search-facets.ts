import type { Sql } from '../../../platform/persistence/database';

export type SearchFacets = {
  /** matching products per category, a category counting those of its descendants */
  categories: { slug: string; name: string; count: number }[];
  /** by lowest variant price, in minor units: `max` is exclusive, null for the last bucket */
  price: { min: number; max: number | null; count: number }[];
  options: { name: string; values: { value: string; count: number }[] }[];
  availability: { inStock: number; outOfStock: number };
};

/** What selects the matching products: SQL conditions on `catalog.product_search s` and their parameters. */
export type Matching = { where: string[]; params: unknown[] };

/** Upper bounds (exclusive, minor units) of the price facet's buckets; the last bucket is open-ended. */
export const PRICE_BUCKETS = [1_000, 2_500, 5_000, 10_000, 25_000, 50_000];
const MAX_OPTION_FACETS = 200;

/**
 * Facet counts over every matching product, in one statement reading the matches once: per category (rolled up to
 * its ancestors), per option value, per price bucket and per availability. Independent of sort order and page, so
 * callers cache them per set of filters.
 */
export const searchFacets = async (db: Sql, matching: Matching): Promise<SearchFacets> => {
  const buckets = [0, ...PRICE_BUCKETS].map((lo, i) => {
    const hi = PRICE_BUCKETS[i];
    return `count(*) filter (where min_price >= ${lo}${hi !== undefined ? ` and min_price < ${hi}` : ''})`;
  });
  const { rows } = await db.query<{ categories: SearchFacets['categories']; options: [string, number][]; counts: number[] }>(
    `with matched as materialized (
       select s.category_id, s.option_facets, s.min_price, s.available from catalog.product_search s where ${matching.where.join(' and ')}
     )
     select
       (select coalesce(json_agg(json_build_object('slug', c.slug, 'name', c.name, 'count', r.n) order by r.n desc, c.slug), '[]')
          from (select a.id, sum(f.n)::integer as n
                  from (select category_id, count(*) as n from matched group by 1) f
                  join catalog.categories leaf on leaf.id = f.category_id
                  join catalog.categories a on a.id = any(leaf.path)
                 group by a.id) r
          join catalog.categories c on c.id = r.id) as categories,
       (select coalesce(json_agg(json_build_array(f.facet, f.n) order by f.n desc, f.facet), '[]')
          from (select unnest(option_facets) as facet, count(*) as n from matched group by 1 order by 2 desc, 1
                limit ${MAX_OPTION_FACETS}) f) as options,
       (select json_build_array(count(*) filter (where available > 0), count(*) filter (where available = 0), ${buckets.join(', ')})
          from matched) as counts`,
    matching.params,
  );
  const [inStock, outOfStock, ...priced] = rows[0].counts;
  return {
    categories: rows[0].categories,
    price: priced.map((count, i) => ({ min: [0, ...PRICE_BUCKETS][i], max: PRICE_BUCKETS[i] ?? null, count })),
    options: optionFacets(rows[0].options),
    availability: { inStock, outOfStock },
  };
};

/** `Name:Value` counts grouped by option name, each option's values by count. */
const optionFacets = (counts: [string, number][]): SearchFacets['options'] => {
  const options = new Map<string, { value: string; count: number }[]>();
  for (const [facet, count] of counts) {
    const at = facet.indexOf(':');
    const name = facet.slice(0, at);
    options.set(name, [...(options.get(name) ?? []), { value: facet.slice(at + 1), count }]);
  }
  return [...options].map(([name, values]) => ({ name, values }));
};
