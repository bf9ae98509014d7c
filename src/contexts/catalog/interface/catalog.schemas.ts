import { z } from 'zod';
import { Sku } from '../contracts';
import { MAX_CATEGORY_DEPTH } from '../application/create-category';
import { MAX_IMAGES, MAX_OPTION_VALUES, MAX_OPTIONS, MAX_VARIANTS, MAX_WEIGHT_GRAMS } from '../domain/variants';
import { MoneyResponse as Money } from '../../../platform/http/openapi';
import { CurrencyCode, LowerCaseCode, MultiLineText, SingleLineText } from '../../../platform/http/text-schemas';

/** Request and response shapes of the catalog API: validation, types and OpenAPI from one place. */

export const Slug = LowerCaseCode(64, 'a slug is lower-case words joined by dashes');

export const MoneyBody = z
  .object({
    amount: z.number().int().positive().max(100_000_000_00).describe('integer minor units (cents)'),
    currency: CurrencyCode,
  })
  .strict();

const Label = SingleLineText(50);
const WeightGrams = z.number().int().min(0).max(MAX_WEIGHT_GRAMS).describe('grams');
const ImageUrls = z
  .array(z.url({ protocol: /^https$/, hostname: z.regexes.domain }).max(2048))
  .max(MAX_IMAGES)
  .describe('https URLs, stored and shown, never fetched by the server');

export const OptionBody = z.object({ name: Label, values: z.array(Label).min(1).max(MAX_OPTION_VALUES) }).strict();

export const VariantBody = z
  .object({
    sku: Sku,
    price: MoneyBody,
    weightGrams: WeightGrams.optional(),
    options: z.record(Label, Label).optional().describe('option name → value, one for each option of the product'),
  })
  .strict();

export const CreateProductBody = z
  .object({
    sku: Sku.optional().describe('a product of one SKU: its SKU (with price; instead of variants)'),
    price: MoneyBody.optional().describe('a product of one SKU: its price'),
    weightGrams: WeightGrams.optional().describe('a product of one SKU: its weight'),
    name: SingleLineText(200),
    description: MultiLineText(5000, { min: 0 }).optional(),
    category: Slug.describe('slug of an existing category'),
    options: z.array(OptionBody).max(MAX_OPTIONS).optional().describe('defaults to the option names and values the variants use'),
    variants: z.array(VariantBody).min(1).max(MAX_VARIANTS).optional(),
    images: ImageUrls.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const single = body.sku !== undefined || body.price !== undefined || body.weightGrams !== undefined;
    if (body.variants && single) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'give variants, or sku and price, not both' });
    if (!body.variants && (body.sku === undefined || body.price === undefined))
      ctx.addIssue({ code: 'custom', path: ['variants'], message: 'variants, or sku and price, are required' });
    if (body.options && !body.variants) ctx.addIssue({ code: 'custom', path: ['options'], message: 'options describe variants' });
  });

export const ReviseProductBody = z
  .object({
    name: SingleLineText(200).optional(),
    description: MultiLineText(5000, { min: 0 }).nullable().optional().describe('null or empty clears it'),
    category: Slug.optional(),
    images: ImageUrls.optional().describe('replaces the images; [] removes them'),
    price: MoneyBody.optional().describe('the price of a product of one variant'),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'name, description, category, images or price is needed');

export const ReviseVariantBody = z
  .object({ price: MoneyBody.optional(), weightGrams: WeightGrams.optional() })
  .strict()
  .refine((body) => body.price !== undefined || body.weightGrams !== undefined, 'price or weightGrams is needed');

export const ListProductsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(200).optional().describe('nextCursor of the previous page'),
    category: Slug.optional().describe('category slug (its descendants included)'),
  })
  .strict();

export const CreateCategoryBody = z.object({ slug: Slug, name: SingleLineText(100), parent: Slug.optional() }).strict();

export const ProductResponse = z.object({
  id: z.string().uuid(),
  sku: z.string().describe('the first variant’s SKU'),
  name: z.string(),
  description: z.string().optional(),
  category: z.string().describe('category slug'),
  price: Money.describe('the lowest variant price'),
  availableStock: z.number().int().min(0).describe('all variants together'),
  options: z.array(z.object({ name: z.string(), values: z.array(z.string()) })),
  variants: z.array(
    z.object({
      sku: z.string(),
      options: z.record(z.string(), z.string()),
      price: Money,
      weightGrams: z.number().int(),
      availableStock: z.number().int().min(0),
    }),
  ),
  images: z.array(z.string()),
  published: z.boolean().describe('false: only staff see it'),
  rating: z.object({ average: z.number(), count: z.number().int() }).describe('from visible reviews'),
});

export const ProductPageResponse = z.object({
  items: z.array(ProductResponse),
  nextCursor: z.string().nullable().describe('null on the last page'),
});

export const CategoryResponse = z.object({ slug: z.string(), name: z.string(), parent: z.string().optional() });
/** Spelt out level by level (OpenAPI 3.0 has no place for a recursive schema's definitions); the tree is 6 deep at most. */
const categoryNode = (levels: number): z.ZodType =>
  z.object({ slug: z.string(), name: z.string(), children: levels > 1 ? z.array(categoryNode(levels - 1)) : z.array(z.never()).max(0) });
export const CategoryListResponse = z.object({
  items: z.array(CategoryResponse).describe('every category, by slug'),
  tree: z.array(categoryNode(MAX_CATEGORY_DEPTH)).describe('the same categories as a tree: roots, each with its children'),
});
