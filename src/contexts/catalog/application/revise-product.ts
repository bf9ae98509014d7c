import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { NotFound } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import type { Money } from '../../../shared-kernel/money';
import { evolve, type Product, revise, UnknownCategory } from '../domain/product';
import { findCategoryId, getProduct, type ProductView } from './product-queries';
import { productStream, refuseRepeatedCommand } from './product-writes';

export type ReviseProduct = { productId: string; name?: string; description?: string | null; category?: string; price?: Money };

type Row = {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  category_id: string;
  slug: string;
  price_amount: string;
  currency: string;
  version: number;
};

/** An admin renames, re-describes, moves or reprices a product; each real change is its own event. */
@Injectable()
export class ReviseProductHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {}

  async execute(command: ReviseProduct, meta: CommandMeta): Promise<ProductView> {
    const notFound = () => new NotFound('catalog.product_not_found', 'no product has this id', { id: command.productId });
    if (!isUuid(command.productId)) throw notFound();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `select p.id, p.sku, p.name, p.description, p.category_id, c.slug, p.price_amount, p.currency, p.version
           from catalog.products p join catalog.categories c on c.id = p.category_id where p.id = $1 for update of p`,
        [command.productId],
      );
      if (!rows[0]) throw notFound();
      const row = rows[0];
      const product: Product = {
        id: row.id,
        sku: row.sku,
        name: row.name,
        description: row.description,
        categoryId: row.category_id,
        category: row.slug,
        price: { amount: Number(row.price_amount), currency: row.currency },
      };
      const categoryId = command.category === undefined ? undefined : await findCategoryId(tx, command.category);
      if (command.category !== undefined && !categoryId) throw new UnknownCategory(command.category);
      const { productId: _, category, ...changes } = command;
      const events = revise(product, { ...changes, ...(categoryId && category ? { category: { id: categoryId, slug: category } } : {}) });
      if (events.length === 0) return (await getProduct(tx, product.id))!;
      const next = events.reduce(evolve, product)!;
      await tx.query(
        `update catalog.products set name = $2, description = $3, category_id = $4, price_amount = $5, currency = $6, version = $7, updated_at = $8
          where id = $1`,
        [
          next.id,
          next.name,
          next.description,
          next.categoryId,
          next.price.amount,
          next.price.currency,
          row.version + events.length,
          meta.now,
        ],
      );
      refuseRepeatedCommand(await this.eventStore.append(productStream(next.id), events, { expectedVersion: row.version, meta, tx }));
      return (await getProduct(tx, next.id))!;
    });
  }
}
