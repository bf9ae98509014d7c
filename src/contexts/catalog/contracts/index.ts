import { z } from 'zod';
import type { Money } from '../../../shared-kernel/money';

/**
 * Catalog's public contract: the integration events it publishes and the query facade other contexts use
 * (the cart for its price snapshot, ordering at checkout). Consumers must tolerate extra fields.
 */

/** What a SKU looks like, wherever one is accepted (catalog, cart, inventory): the catalog defines it. */
export const Sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a SKU is 1-64 letters, digits, dots, dashes or underscores');

export const CatalogMessages = {
  productCreated: 'catalog.product-created.v1',
  productRepriced: 'catalog.product-repriced.v1',
  productRenamed: 'catalog.product-renamed.v1',
  variantAdded: 'catalog.variant-added.v1',
  productPublished: 'catalog.product-published.v1',
  productUnpublished: 'catalog.product-unpublished.v1',
} as const;

/** A variant (one SKU) of a product; `options` maps each option name to this variant's value. */
export type CatalogVariantV1 = {
  sku: string;
  /** the product name with the variant's option values, as CatalogProduct.name */
  name: string;
  price: Money;
  weightGrams: number;
  options: Record<string, string>;
};

/**
 * A new product. `sku` and `price` are those of its first variant (a product of one SKU is described by them alone);
 * `variants` (added with variants) lists every SKU, and `published` says whether customers see it.
 */
export type ProductCreatedV1 = {
  productId: string;
  sku: string;
  name: string;
  description: string | null;
  /** category slug */
  category: string;
  price: Money;
  variants: CatalogVariantV1[];
  published: boolean;
};

/** One variant's new price. */
export type ProductRepricedV1 = { productId: string; sku: string; price: Money; previousPrice: Money };

/** The product's new name (its variants' names change with it). */
export type ProductRenamedV1 = { productId: string; name: string };

/** A variant (a new SKU) was added to an existing product. */
export type VariantAddedV1 = { productId: string; sku: string; price: Money; weightGrams: number; options: Record<string, string> };

/** Customers see the product again (published) or no longer (unpublished); `skus` are all its variants. */
export type ProductPublishedV1 = { productId: string; skus: string[] };
export type ProductUnpublishedV1 = { productId: string; skus: string[] };

/**
 * What the catalog says a SKU (a product variant) is and costs right now. `name` is the product name with the
 * variant's option values ("T-shirt (Red, M)"); `published` false means customers cannot buy it.
 */
export type CatalogProduct = { sku: string; productId: string; name: string; price: Money; weightGrams: number; published: boolean };

/** Read-only lookup of current variants by SKU; SKUs the catalog does not know are simply absent from the result. */
export abstract class ProductCatalog {
  abstract findBySkus(skus: readonly string[]): Promise<CatalogProduct[]>;
}
