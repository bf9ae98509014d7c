import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus, READ_MODEL_ONLY } from '../../../platform/messaging/message-bus';
import { type InboxEffect, on, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import { onceCommitted, type Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
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
  private readonly subscription: Subscription<InboxEffect>;

  constructor(bus: MessageBus, inbox: Inbox, cache: CatalogReadCache, clock: Clock, metrics: Metrics) {
    this.subscription = new Subscription(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [ReviewMessages.productRatingChanged]: on(ProductRatingChanged, (rating, { message }) => async (tx: Sql) => {
          if (await recordRating(tx, { ...rating, at: message.occurredAt })) onceCommitted(tx, () => cache.invalidate());
        }),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribe((message) => this.handle(message));
  }

  handle(message: IntegrationMessage): Promise<void> {
    return this.subscription.handleOne(message, READ_MODEL_ONLY);
  }
}
