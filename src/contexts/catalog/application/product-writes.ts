import { Injectable } from '@nestjs/common';
import { appendedNow, type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { NotFound } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import { evolve, type Product, type ProductCreated, type ProductEvent } from '../domain/product';
import { CatalogReadCache } from './catalog-read-cache';
import { getProduct, type ProductView } from './product-queries';
import { insertProducts, lockProduct, refreshProductSearch, updateProduct } from './product-rows';

export const productStream = (productId: string): string => `catalog.product-${productId}`;
export const categoryStream = (categoryId: string): string => `catalog.category-${categoryId}`;

export const productNotFound = (id: string) => new NotFound('catalog.product_not_found', 'no product has this id', { id });

/**
 * The one way products are written: in one transaction the state rows, the events (one stream per product) and the
 * read model; after the commit this process's read cache is invalidated, so its next read shows the change.
 */
@Injectable()
export class ProductWrites {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
    private readonly cache: CatalogReadCache,
  ) {}

  /**
   * Records new products, each with its `ProductCreated`, in multi-row statements; `commandIdOf` gives each
   * product's command id (one stream each).
   */
  async create(created: readonly ProductCreated[], meta: CommandMeta, commandIdOf: (index: number) => string): Promise<void> {
    if (created.length === 0) return;
    await this.db.transaction(async (tx) => {
      const products = created.map((event) => evolve(null, event)!);
      const ids = products.map((product) => product.id);
      await insertProducts(tx, products, meta.now);
      for (const [i, event] of created.entries()) {
        const append = { expectedVersion: 'no_stream' as const, meta: { ...meta, commandId: commandIdOf(i) }, tx };
        appendedNow(await this.eventStore.append(productStream(event.data.productId), [event], append));
      }
      await refreshProductSearch(tx, ids);
    });
    this.cache.invalidate();
  }

  /** Locks the product, decides, and writes what the decision changed (nothing when it records no event). */
  async change(productId: string, meta: CommandMeta, decide: (product: Product) => ProductEvent[]): Promise<ProductView> {
    if (!isUuid(productId)) throw productNotFound(productId);
    let changed = false;
    const view = await this.db.transaction(async (tx) => {
      const locked = await lockProduct(tx, productId);
      if (!locked) throw productNotFound(productId);
      const events = decide(locked.product);
      if (events.length === 0) return (await getProduct(tx, productId, 'staff'))!;
      const next = events.reduce(evolve, locked.product)!;
      await updateProduct(tx, next, locked.version + events.length, meta.now);
      appendedNow(await this.eventStore.append(productStream(productId), events, { expectedVersion: locked.version, meta, tx }));
      changed = true;
      await refreshProductSearch(tx, [productId]);
      return (await getProduct(tx, productId, 'staff'))!;
    });
    if (changed) this.cache.invalidate();
    return view;
  }
}
