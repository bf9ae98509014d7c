import type { Sql } from '../../../platform/persistence/database';
import type { ProductView } from './product-queries';
import { decodeSearchCursor, encodeSearchCursor, fingerprint, type SearchSort, SORT_ORDERS } from './search-cursor';
import { type Matching, type SearchFacets, searchFacets } from './search-facets';

export type SearchQuery = {
  q?: string;
  /** category slug; its descendants are included */
  category?: string;
  /** bounds of a product's lowest variant price, in minor units */
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  /** `Name:Value` option values a product must offer (all of them) */
  options?: string[];
  /** default: relevance with `q`, newest without */
  sort?: SearchSort;
  limit: number;
  cursor?: string;
};

export type SearchResult = { items: ProductView[]; facets: SearchFacets; nextCursor: string | null };

/** Query words looked at (each may be corrected): enough for any product name, bounded work per request. */
const MAX_TERMS = 8;

/**
 * The words of `q` as a tsquery (text), null when it has none. Each word found among the indexed words is kept; a
 * word of 3+ letters that is not is replaced by the most similar indexed word (trigram similarity over
 * `catalog.search_words`, pg_trgm's default threshold 0.3): one wrong, missing or extra letter still finds the
 * product. The words are ANDed. A statement of its own, so the search is planned with the query known (GIN index).
 */
export const correctedQuery = async (db: Sql, q: string): Promise<string | null> => {
  const { rows } = await db.query<{ tsq: string | null }>(
    `with terms as (
       select t.lexeme as term from unnest(to_tsvector('simple', catalog.fold($1))) t order by t.positions[1] limit ${MAX_TERMS}
     ), fixed as (
       select coalesce(
                (select w.word from catalog.search_words w where w.word = terms.term),
                case when length(terms.term) >= 3 then
                  (select w.word from catalog.search_words w where w.word % terms.term
                    order by similarity(w.word, terms.term) desc, w.word limit 1) end,
                terms.term) as word
         from terms
     )
     select nullif(plainto_tsquery('simple', coalesce(string_agg(word, ' '), ''))::text, '') as tsq from fixed`,
    [q],
  );
  return rows[0]?.tsq ?? null;
};

/** Relevance: the weighted document's rank for the (corrected) words, plus how close the name is to the query. */
const rank = (tsquery: string, q: string) =>
  `(ts_rank(s.document, ${tsquery}) + 0.3 * similarity(s.name_folded, catalog.fold(${q})))::float8`;

/** The query text as PostgreSQL may receive it: control characters (NUL included) become spaces; blank is none. */
export const searchable = (q: string | undefined): string | undefined => {
  // eslint-disable-next-line no-control-regex
  const text = q?.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return text?.trim() ? text : undefined;
};

/** Where facets computed for a set of filters may be kept (sort, page and limit do not change them). */
export type FacetCache = (filters: string, compute: () => Promise<SearchFacets>) => Promise<SearchFacets>;
const uncached: FacetCache = (_, compute) => compute();

/**
 * Full-text search over published products with facets: the query's corrected words, then one statement for a keyset
 * page of the matching products in the requested order (relevance: ts_rank of the weighted document plus trigram
 * similarity of the name) and one for the facet counts over all of them, run side by side. A query without words
 * browses.
 */
export const searchProducts = async (db: Sql, search: SearchQuery, facetCache: FacetCache = uncached): Promise<SearchResult> => {
  const text = searchable(search.q);
  const tsquery = text === undefined ? null : await correctedQuery(db, text);
  const q = tsquery === null ? undefined : text;
  const sort = search.sort === 'relevance' && !q ? 'newest' : (search.sort ?? (q ? 'relevance' : 'newest'));
  const filters = fingerprint([text, search.category, search.minPrice, search.maxPrice, search.inStock, search.options]);
  const digest = fingerprint([filters, sort]);

  const matching: Matching = { where: ['s.published'], params: [] };
  const param = (value: unknown) => `$${matching.params.push(value)}`;
  if (q !== undefined && tsquery !== null) matching.where.push(`s.document @@ ${param(tsquery)}::tsquery`);
  if (search.category !== undefined)
    matching.where.push(`s.category_path @> array[(select id from catalog.categories where slug = ${param(search.category)})]`);
  if (search.minPrice !== undefined) matching.where.push(`s.min_price >= ${param(search.minPrice)}`);
  if (search.maxPrice !== undefined) matching.where.push(`s.min_price <= ${param(search.maxPrice)}`);
  if (search.inStock !== undefined) matching.where.push(search.inStock ? 's.available > 0' : 's.available = 0');
  if (search.options?.length) matching.where.push(`s.option_facets @> ${param(search.options)}::text[]`);

  const [page, facets] = await Promise.all([
    searchPage(db, { ...matching, params: [...matching.params] }, { search, sort, digest, q, tsquery }),
    facetCache(filters, () => searchFacets(db, matching)),
  ]);
  return { ...page, facets };
};

/** One keyset page of the matches. */
const searchPage = async (
  db: Sql,
  matching: Matching,
  context: { search: SearchQuery; sort: SearchSort; digest: string; q?: string; tsquery: string | null },
): Promise<{ items: ProductView[]; nextCursor: string | null }> => {
  const { search, sort, digest } = context;
  const order = SORT_ORDERS[sort];
  const param = (value: unknown) => `$${matching.params.push(value)}`;
  const score =
    context.q !== undefined && context.tsquery !== null ? rank(`${param(context.tsquery)}::tsquery`, param(context.q)) : '0::float8';
  const columns = order.keys.map((k) => `m.${k.column}`);
  const direction = order.direction === 'asc' ? 'asc' : 'desc';
  const keyset =
    search.cursor === undefined
      ? 'true'
      : `(${columns.join(', ')}) ${direction === 'asc' ? '>' : '<'} (${decodeSearchCursor(search.cursor, sort, digest)
          .map((value, i) => `${param(value)}::${order.keys[i].type}`)
          .join(', ')})`;
  const orderBy = columns.map((c) => `${c} ${direction}`).join(', ');
  // with words, the matches come from the full-text index (then sorted); without, the sort's index gives the page
  const { rows } = await db.query<{ product_id: string; view: ProductView; keys: (string | number)[] }>(
    `with m as ${context.q !== undefined ? 'materialized' : 'not materialized'} (
       select s.product_id, s.min_price, s.rating_average, s.rating_count, ${score} as score
         from catalog.product_search s where ${matching.where.join(' and ')}
     )
     select v.view, json_build_array(${columns.join(', ')}) as keys
       from (select * from m where ${keyset} order by ${orderBy} limit ${param(search.limit + 1)}) m
       join catalog.product_views v on v.product_id = m.product_id
      order by ${orderBy}`,
    matching.params,
  );
  const page = rows.slice(0, search.limit);
  return {
    items: page.map((row) => row.view),
    nextCursor: rows.length > search.limit ? encodeSearchCursor(sort, digest, page[page.length - 1].keys) : null,
  };
};
