import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import type { Money } from '../../../shared-kernel/money';
import { create, evolve, SkuTaken, UnknownCategory } from '../domain/product';
import { getProduct, findCategoryId, type ProductView } from './product-queries';
import { productStream, refuseRepeatedCommand } from './product-writes';

export type CreateProduct = { sku: string; name: string; description?: string; category: string; price: Money };

/** An admin (or the seeder) adds a product to a category; the SKU is unique across the catalog. */
@Injectable()
export class CreateProductHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {}

  async execute(command: CreateProduct, meta: CommandMeta): Promise<ProductView> {
    const productId = newId();
    return this.db.transaction(async (tx) => {
      const categoryId = await findCategoryId(tx, command.category);
      if (!categoryId) throw new UnknownCategory(command.category);
      const events = create(null, { ...command, productId, category: { id: categoryId, slug: command.category } });
      const product = events.reduce(evolve, null)!;
      const inserted = await tx.query(
        `insert into catalog.products (id, sku, name, description, category_id, price_amount, currency, version, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) on conflict (sku) do nothing`,
        [
          product.id,
          product.sku,
          product.name,
          product.description,
          product.categoryId,
          product.price.amount,
          product.price.currency,
          events.length,
          meta.now,
        ],
      );
      if (inserted.rowCount === 0) throw new SkuTaken(command.sku);
      refuseRepeatedCommand(await this.eventStore.append(productStream(productId), events, { expectedVersion: 'no_stream', meta, tx }));
      return (await getProduct(tx, productId))!;
    });
  }
}
