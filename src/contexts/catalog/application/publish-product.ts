import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { publish } from '../domain/product';
import type { ProductView } from './product-queries';
import { ProductWrites } from './product-writes';

/** An admin makes a product visible to customers (lists, product page, search); publishing it again changes nothing. */
@Injectable()
export class PublishProductHandler {
  constructor(private readonly writes: ProductWrites) {}

  execute(productId: string, meta: CommandMeta): Promise<ProductView> {
    return this.writes.change(productId, meta, publish);
  }
}
