import { z } from 'zod';
import { SingleLineText } from '../../../platform/http/text-schemas';
import { SEARCH_SORTS } from '../application/search-cursor';
import { MAX_SUGGESTIONS } from '../application/suggest-products';
import { ProductResponse, Slug } from './catalog.schemas';

/** The longest query text accepted; longer is refused with 400 (no product name needs more). */
export const MAX_QUERY_LENGTH = 200;

const Amount = z.coerce.number().int().min(0).max(100_000_000_00);
const OptionFilter = SingleLineText(101, { min: 3 }).regex(/^[^:]{1,50}:.{1,50}$/, 'Name:Value of an option');

export const SearchQuery = z
  .object({
    q: SingleLineText(MAX_QUERY_LENGTH, { min: 0 }).optional().describe('words to find; a word with one wrong letter still matches'),
    category: Slug.optional().describe('category slug (its descendants included)'),
    minPrice: Amount.optional().describe('lowest variant price at least this (minor units)'),
    maxPrice: Amount.optional().describe('lowest variant price at most this (minor units)'),
    inStock: z
      .enum(['true', 'false'])
      .optional()
      .transform((value) => (value === undefined ? undefined : value === 'true')),
    option: z
      .union([OptionFilter, z.array(OptionFilter).max(10)])
      .optional()
      .transform((value) => (value === undefined ? undefined : [value].flat()))
      .describe('Name:Value, repeatable: products offering all of them'),
    sort: z.enum(SEARCH_SORTS).optional().describe('default: relevance with q, newest without'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor of the previous page of the same search'),
  })
  .strict()
  .refine((query) => query.minPrice === undefined || query.maxPrice === undefined || query.minPrice <= query.maxPrice, {
    message: 'minPrice is at most maxPrice',
    path: ['minPrice'],
  });

export const SuggestQuery = z.object({ q: SingleLineText(100).describe('what has been typed so far') }).strict();

const Count = z.number().int().min(0);
export const SearchResponse = z.object({
  items: z.array(ProductResponse),
  facets: z.object({
    categories: z.array(z.object({ slug: z.string(), name: z.string(), count: Count })).describe('a category counts its descendants'),
    price: z.array(z.object({ min: z.number().int(), max: z.number().int().nullable(), count: Count })).describe('by lowest price'),
    options: z.array(z.object({ name: z.string(), values: z.array(z.object({ value: z.string(), count: Count })) })),
    availability: z.object({ inStock: Count, outOfStock: Count }),
  }),
  nextCursor: z.string().nullable().describe('null on the last page'),
});

export const SuggestResponse = z.object({
  items: z
    .array(z.object({ text: z.string(), kind: z.enum(['word', 'product']), productId: z.string().uuid().optional() }))
    .max(MAX_SUGGESTIONS),
});
