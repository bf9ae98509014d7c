import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidInput } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';

/** The orders search results come in; each is a keyset over columns of `matched`, all ascending or all descending. */
export const SEARCH_SORTS = ['relevance', 'price_asc', 'price_desc', 'newest', 'rating'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

type KeyType = 'float8' | 'bigint' | 'numeric' | 'int' | 'uuid';
export type SortKey = { column: string; type: KeyType };
export type SortOrder = { keys: SortKey[]; direction: 'asc' | 'desc' };

const id: SortKey = { column: 'product_id', type: 'uuid' };
export const SORT_ORDERS: Record<SearchSort, SortOrder> = {
  relevance: { keys: [{ column: 'score', type: 'float8' }, id], direction: 'desc' },
  price_asc: { keys: [{ column: 'min_price', type: 'bigint' }, id], direction: 'asc' },
  price_desc: { keys: [{ column: 'min_price', type: 'bigint' }, id], direction: 'desc' },
  // ids are UUIDv7: their order is the order products were created in
  newest: { keys: [id], direction: 'desc' },
  rating: {
    keys: [{ column: 'rating_average', type: 'numeric' }, { column: 'rating_count', type: 'int' }, id],
    direction: 'desc',
  },
};

/** What a key value must look like before it is cast in SQL: anything else is not a cursor this API wrote. */
const KEY_FORMATS: Record<KeyType, (value: string) => boolean> = {
  float8: (v) => /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v) && Number.isFinite(Number(v)),
  bigint: (v) => /^-?\d{1,18}$/.test(v),
  numeric: (v) => /^\d{1,3}(\.\d{1,4})?$/.test(v),
  int: (v) => /^\d{1,9}$/.test(v),
  uuid: isUuid,
};

const Payload = z.object({ s: z.enum(SEARCH_SORTS), f: z.string().max(32), k: z.array(z.string().max(64)).max(4) }).strict();

const invalidCursor = () => new InvalidInput('catalog.invalid_cursor', 'the cursor is not one this API returned for this search');

/** A short digest of everything that selects and orders the results: a cursor is valid for the same search only. */
export const fingerprint = (search: unknown): string =>
  createHash('sha256').update(JSON.stringify(search)).digest('base64url').slice(0, 16);

/** Opaque to clients: base64url JSON of the sort, the search's fingerprint and the last item's sort keys. */
export const encodeSearchCursor = (sort: SearchSort, search: string, keys: readonly (string | number)[]): string =>
  Buffer.from(JSON.stringify({ s: sort, f: search, k: keys.map(String) }), 'utf8').toString('base64url');

/** The sort-key values of the cursor, each checked against its column's type; refused when written for another search. */
export const decodeSearchCursor = (cursor: string, sort: SearchSort, search: string): string[] => {
  let payload: z.infer<typeof Payload>;
  try {
    payload = Payload.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalidCursor();
  }
  const { keys } = SORT_ORDERS[sort];
  if (payload.s !== sort || payload.f !== search || payload.k.length !== keys.length) throw invalidCursor();
  if (!payload.k.every((value, i) => KEY_FORMATS[keys[i].type](value))) throw invalidCursor();
  return payload.k;
};
