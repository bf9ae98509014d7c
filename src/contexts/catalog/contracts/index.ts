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
} as const;

export type ProductCreatedV1 = {
  productId: string;
  sku: string;
  name: string;
  description: string | null;
  /** category slug */
  category: string;
  price: Money;
};

export type ProductRepricedV1 = { productId: string; sku: string; price: Money; previousPrice: Money };

/**
 * What the catalog says a SKU (a product variant) is and costs right now. `name` is the product name with the
 * variant's option values ("T-shirt (Red, M)"); `published` false means customers cannot buy it.
 */
export type CatalogProduct = { sku: string; productId: string; name: string; price: Money; weightGrams: number; published: boolean };

/** Read-only lookup of current variants by SKU; SKUs the catalog does not know are simply absent from the result. */
export abstract class ProductCatalog {
  abstract findBySkus(skus: readonly string[]): Promise<CatalogProduct[]>;
}
