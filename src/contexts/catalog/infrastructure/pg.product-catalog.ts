import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { type CatalogProduct, ProductCatalog } from '../contracts';

/** ProductCatalog straight from `catalog.products` (one indexed lookup for all SKUs). */
@Injectable()
export class PgProductCatalog extends ProductCatalog {
  constructor(private readonly db: Database) {
    super();
  }

  async findBySkus(skus: readonly string[]): Promise<CatalogProduct[]> {
    if (skus.length === 0) return [];
    const { rows } = await this.db.query<{ id: string; sku: string; name: string; price_amount: string; currency: string }>(
      `select id, sku, name, price_amount, currency from catalog.products where sku = any($1::text[])`,
      [[...new Set(skus)]],
    );
    return rows.map((row) => ({
      sku: row.sku,
      productId: row.id,
      name: row.name,
      price: { amount: Number(row.price_amount), currency: row.currency },
      weightGrams: 0,
      published: true,
    }));
  }
}
