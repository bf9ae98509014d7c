import { z } from 'zod';
import { Sku } from '../contracts';

/** Request and response shapes of the catalog API: validation, types and OpenAPI from one place. */

export const Slug = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a slug is lower-case words joined by dashes');

export const MoneyBody = z
  .object({
    amount: z.number().int().positive().max(100_000_000_00).describe('integer minor units (cents)'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
  })
  .strict();

export const CreateProductBody = z
  .object({
    sku: Sku,
    name: z.string().trim().min(1).max(200),
    description: z.string().max(5000).optional(),
    category: Slug.describe('slug of an existing category'),
    price: MoneyBody,
  })
  .strict();

export const ReviseProductBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5000).nullable().optional().describe('null or empty clears it'),
    category: Slug.optional(),
    price: MoneyBody.optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'name, description, category or price is needed');

export const ListProductsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(200).optional().describe('nextCursor of the previous page'),
    category: Slug.optional().describe('category slug'),
  })
  .strict();

export const CreateCategoryBody = z.object({ slug: Slug, name: z.string().trim().min(1).max(100), parent: Slug.optional() }).strict();

export const ProductResponse = z.object({
  id: z.string().uuid(),
  sku: z.string(),
  name: z.string(),
  description: z.string().optional(),
  category: z.string().describe('category slug'),
  price: z.object({ amount: z.number().int(), currency: z.string() }),
  availableStock: z.number().int().min(0),
});

export const ProductPageResponse = z.object({
  items: z.array(ProductResponse),
  nextCursor: z.string().nullable().describe('null on the last page'),
});

export const CategoryResponse = z.object({ slug: z.string(), name: z.string(), parent: z.string().optional() });
export const CategoryListResponse = z.object({ items: z.array(CategoryResponse) });
