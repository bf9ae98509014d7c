import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import type { Money } from '../../../shared-kernel/money';
import { create, type ProductCreated, UnknownCategory } from '../domain/product';
import type { ProductOption, VariantInput } from '../domain/variants';
import { findCategory, getProduct, type ProductView } from './product-queries';
import { ProductWrites } from './product-writes';

type ProductFields = { name: string; description?: string; category: string; images?: string[] };

/**
 * A product with options and variants, or (as before variants existed) a product of one SKU: `sku` and `price`
 * (and optionally `weightGrams`) describe its only variant.
 */
export type CreateProduct = ProductFields &
  ({ options?: ProductOption[]; variants: VariantInput[] } | { sku: string; price: Money; weightGrams?: number });

export const variantsOf = (command: CreateProduct): { options?: ProductOption[]; variants: VariantInput[] } =>
  'variants' in command
    ? { ...(command.options ? { options: command.options } : {}), variants: command.variants }
    : {
        variants: [
          { sku: command.sku, price: command.price, ...(command.weightGrams !== undefined ? { weightGrams: command.weightGrams } : {}) },
        ],
      };

/** The ids of these category slugs; an unknown slug is refused with UnknownCategory. */
export const categoryIds = async (db: Sql, slugs: readonly string[]): Promise<Map<string, string>> => {
  const ids = new Map<string, string>();
  for (const slug of new Set(slugs)) {
    const category = await findCategory(db, slug);
    if (!category) throw new UnknownCategory(slug);
    ids.set(slug, category.id);
  }
  return ids;
};

/** The decision for one new product in a category whose id is known. */
export const decideCreation = (command: CreateProduct, categoryId: string, productId = newId()): ProductCreated =>
  create(null, {
    productId,
    name: command.name,
    description: command.description,
    category: { id: categoryId, slug: command.category },
    images: command.images,
    ...variantsOf(command),
  })[0];

/** An admin adds a product to a category; each variant's SKU is unique across the catalog. */
@Injectable()
export class CreateProductHandler {
  constructor(
    private readonly db: Database,
    private readonly writes: ProductWrites,
  ) {}

  async execute(command: CreateProduct, meta: CommandMeta): Promise<ProductView> {
    const categories = await categoryIds(this.db, [command.category]);
    const created = decideCreation(command, categories.get(command.category)!);
    await this.writes.create([created], meta, () => meta.commandId);
    return (await getProduct(this.db, created.data.productId, 'staff'))!;
  }
}
