import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { addVariant } from '../domain/product';
import type { VariantInput } from '../domain/variants';
import type { ProductView } from './product-queries';
import { ProductWrites } from './product-writes';

export type AddVariant = { productId: string; variant: VariantInput };

/** An admin adds a variant (a new SKU) to a product; an option value not listed yet is added to its option. */
@Injectable()
export class AddVariantHandler {
  constructor(private readonly writes: ProductWrites) {}

  execute(command: AddVariant, meta: CommandMeta): Promise<ProductView> {
    return this.writes.change(command.productId, meta, (product) => addVariant(product, command.variant));
  }
}
