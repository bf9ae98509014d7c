import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus, READ_MODEL_ONLY } from '../../../platform/messaging/message-bus';
import { ReviewMessages } from '../../reviews/contracts';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { recordRating } from '../application/record-rating';

const SUBSCRIBER = 'catalog.ratings';

/** The fields of `reviews.product-rating-changed.v1` (ProductRatingChangedV1) the catalog reads; others are ignored. */
const ProductRatingChanged = z.object({
  productId: z.string().uuid(),
  average: z.number().min(0).max(5),
  count: z.number().int().min(0),
  version: z.number().int().positive(),
});

/** Keeps the rating shown with each product (and sorted and searched by) in step with reviews, once per message. */
@Injectable()
export class ProductRatingsSubscriber {
  private readonly logger = new Logger(ProductRatingsSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly cache: CatalogReadCache,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribe(SUBSCRIBER, [ReviewMessages.productRatingChanged], (message) => this.handle(message));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const parsed = ProductRatingChanged.safeParse(message.data);
    if (!parsed.success) {
      this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
      return;
    }
    let changed = false;
    await this.inbox.handleOnce(
      SUBSCRIBER,
      message.id,
      async (tx) => {
        changed = await recordRating(tx, { ...parsed.data, at: message.occurredAt });
      },
      READ_MODEL_ONLY,
    );
    if (changed) this.cache.invalidate();
  }
}
