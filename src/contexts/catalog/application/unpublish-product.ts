import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { unpublish } from '../domain/product';
import type { ProductView } from './product-queries';
import { ProductWrites } from './product-writes';

/**
 * An admin hides a product from customers and anonymous callers (404, absent from lists and search); staff still
 * see it, and its SKUs are reported unpublished to the contexts that sell them.
 */
@Injectable()
export class UnpublishProductHandler {
  constructor(private readonly writes: ProductWrites) {}

  execute(productId: string, meta: CommandMeta): Promise<ProductView> {
    return this.writes.change(productId, meta, unpublish);
  }
}
