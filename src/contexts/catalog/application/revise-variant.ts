import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import type { Money } from '../../../shared-kernel/money';
import { reviseVariant } from '../domain/product';
import type { ProductView } from './product-queries';
import { ProductWrites } from './product-writes';

export type ReviseVariant = { productId: string; sku: string; price?: Money; weightGrams?: number };

/** An admin reprices a variant or corrects its weight. */
@Injectable()
export class ReviseVariantHandler {
  constructor(private readonly writes: ProductWrites) {}

  execute({ productId, ...changes }: ReviseVariant, meta: CommandMeta): Promise<ProductView> {
    return this.writes.change(productId, meta, (product) => reviseVariant(product, changes));
  }
}
