import type { Sql } from '../../../platform/persistence/database';

export type Suggestion = { text: string; kind: 'word' | 'product'; productId?: string };

export const MAX_SUGGESTIONS = 10;
const MAX_WORDS = 4;
/** Names looked at for completions: the best-ranked published products whose names match. */
const CANDIDATES = 50;

/** Lower case without accents, as the index folds text (close to unaccent for the letters product names use). */
const fold = (text: string): string => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
const wordsOf = (text: string): string[] =>
  fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/**
 * Suggestions while a customer types: completions of the last word (taken from the names of published products
 * that match every word typed, the last as a prefix), then those products' names. At most MAX_SUGGESTIONS.
 */
export const suggestProducts = async (db: Sql, q: string): Promise<{ items: Suggestion[] }> => {
  const tokens = wordsOf(q)
    .slice(0, 5)
    .map((t) => t.slice(0, 64));
  if (tokens.length === 0) return { items: [] };
  // each token becomes a quoted prefix lexeme of the name (weight A); quotes and backslashes are escaped as tsquery wants
  const { rows } = await db.query<{ product_id: string; name: string }>(
    `with query as (
       select to_tsquery('simple', string_agg('''' || replace(replace(catalog.fold(t), '\\', '\\\\'), '''', '''''') || ''':*A', ' & ')) as tsq
         from unnest($1::text[]) t
     )
     select s.product_id, s.name
       from catalog.product_search s, query
      where s.published and s.document @@ query.tsq
      order by ts_rank(s.document, query.tsq) desc, s.rating_count desc, s.product_id
      limit ${CANDIDATES}`,
    [tokens],
  );
  const last = tokens[tokens.length - 1];
  const words = new Set<string>();
  for (const { name } of rows) {
    for (const word of wordsOf(name)) if (word.startsWith(last) && words.size < MAX_WORDS) words.add(word);
  }
  const names = new Map<string, string>();
  for (const { product_id, name } of rows) if (!names.has(name)) names.set(name, product_id);
  const items: Suggestion[] = [
    ...[...words].map((text) => ({ text, kind: 'word' as const })),
    ...[...names].map(([text, productId]) => ({ text, kind: 'product' as const, productId })),
  ];
  return { items: items.slice(0, MAX_SUGGESTIONS) };
};
