import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { categoryIds, type CreateProduct, decideCreation, variantsOf } from './create-product';
import { existingSkus } from './product-rows';
import { ProductWrites } from './product-writes';

/**
 * Many new products in one transaction (a seeder's or an import's batch): the same decisions, rows, events and read
 * model as one creation each, written with multi-row statements. A product whose SKUs all exist already is skipped,
 * so a batch cut short can be run again; one SKU taken by another product refuses the whole batch. Each product's
 * command id is `<commandId>:<its first SKU>`, so a batch retried with the same command id records nothing twice.
 */
@Injectable()
export class ImportProductsHandler {
  constructor(
    private readonly db: Database,
    private readonly writes: ProductWrites,
  ) {}

  async execute(products: readonly CreateProduct[], meta: CommandMeta): Promise<{ created: number; skipped: number }> {
    const skusOf = (product: CreateProduct) => variantsOf(product).variants.map((v) => v.sku);
    const existing = await existingSkus(this.db, products.flatMap(skusOf));
    const fresh = products.filter((product) => !skusOf(product).every((sku) => existing.has(sku)));
    const categories = await categoryIds(
      this.db,
      fresh.map((p) => p.category),
    );
    const created = fresh.map((product) => decideCreation(product, categories.get(product.category)!));
    await this.writes.create(created, meta, (i) => `${meta.commandId}:${created[i].data.variants[0].sku}`);
    return { created: created.length, skipped: products.length - fresh.length };
  }
}
