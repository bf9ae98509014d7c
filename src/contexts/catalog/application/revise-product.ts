import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import { revise, UnknownCategory } from '../domain/product';
import { findCategory, type ProductView } from './product-queries';
import { ProductWrites } from './product-writes';

export type ReviseProduct = {
  productId: string;
  name?: string;
  description?: string | null;
  category?: string;
  images?: string[];
  /** the price of a product's only variant (products with several variants are repriced per variant) */
  price?: Money;
};

/** An admin renames, re-describes, moves, re-illustrates or reprices a product; each real change is its own event. */
@Injectable()
export class ReviseProductHandler {
  constructor(
    private readonly db: Database,
    private readonly writes: ProductWrites,
  ) {}

  async execute(command: ReviseProduct, meta: CommandMeta): Promise<ProductView> {
    const { productId, category: slug, ...changes } = command;
    const category = slug === undefined ? undefined : await findCategory(this.db, slug);
    if (slug !== undefined && !category) throw new UnknownCategory(slug);
    return this.writes.change(productId, meta, (product) =>
      revise(product, { ...changes, ...(category && slug ? { category: { id: category.id, slug } } : {}) }),
    );
  }
}
