import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { SalesSubscriber } from './interface/sales.subscriber';
import { AnalyticsController } from './interface/analytics.controller';

/** analytics: projections only, over integration events from the bus; `npm run projections:rebuild` rebuilds them in one process. */
@Module({
  controllers: [AnalyticsController],
  providers: [SalesSubscriber],
})
export class AnalyticsModule implements OnApplicationBootstrap {
  constructor(private readonly sales: SalesSubscriber) {}

  onApplicationBootstrap(): Promise<void> {
    return this.sales.subscribe();
  }
}
