import type { ProductCatalog } from '../../catalog/contracts';
import type { CurrentOffer } from '../domain/cart-pricing';

/** The catalog's current price and publication of each SKU, in one lookup; unknown SKUs are absent. */
export const currentOffers = async (catalog: ProductCatalog, skus: readonly string[]): Promise<Map<string, CurrentOffer>> => {
  if (skus.length === 0) return new Map();
  const products = await catalog.findBySkus(skus);
  return new Map(products.map(({ sku, price, published }) => [sku, { price, published }]));
};
