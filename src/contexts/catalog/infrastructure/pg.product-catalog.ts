import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { type CatalogProduct, ProductCatalog } from '../contracts';
import { variantName } from '../domain/product';
import type { ProductOption } from '../domain/variants';

type Row = {
  sku: string;
  product_id: string;
  product_name: string;
  product_options: ProductOption[];
  options: Record<string, string>;
  price_amount: string;
  currency: string;
  weight_grams: number;
  published: boolean;
};

/** ProductCatalog from `catalog.variants` and their products (one indexed lookup for all SKUs). */
@Injectable()
export class PgProductCatalog extends ProductCatalog {
  constructor(private readonly db: Database) {
    super();
  }

  async findBySkus(skus: readonly string[]): Promise<CatalogProduct[]> {
    if (skus.length === 0) return [];
    const { rows } = await this.db.query<Row>(
      `select v.sku, v.product_id, p.name as product_name, p.options as product_options, v.options, v.price_amount, v.currency,
              v.weight_grams, p.published
         from catalog.variants v join catalog.products p on p.id = v.product_id
        where v.sku = any($1::text[])`,
      [[...new Set(skus)]],
    );
    return rows.map((row) => ({
      sku: row.sku,
      productId: row.product_id,
      name: variantName(row.product_name, row.product_options, row),
      price: { amount: Number(row.price_amount), currency: row.currency },
      weightGrams: row.weight_grams,
      published: row.published,
    }));
  }
}
