import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { HideReviewHandler } from './application/hide-review';
import { PostReviewHandler } from './application/post-review';
import { toIntegrationEvent } from './application/to-integration-events';
import { PurchasesSubscriber } from './interface/purchases.subscriber';
import { ReviewsController } from './interface/reviews.controller';

/** reviews: verified-purchase reviews and ratings (state + events through the outbox). */
@Module({
  controllers: [ReviewsController],
  providers: [PostReviewHandler, HideReviewHandler, PurchasesSubscriber],
})
export class ReviewsModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly integrationEvents: IntegrationEvents,
    private readonly purchases: PurchasesSubscriber,
  ) {}

  onModuleInit(): void {
    this.integrationEvents.registerTranslator('reviews', toIntegrationEvent);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.purchases.subscribe();
  }
}
