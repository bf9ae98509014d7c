import { Module, OnModuleInit } from '@nestjs/common';
import { LogConsumers } from '../../platform/consumers/log-consumer';
import { SalesProjection } from './application/sales.projection';
import { AnalyticsController } from './interface/analytics.controller';

/** analytics: projections only, over integration events; rebuildable with `npm run projections:rebuild`. */
@Module({
  controllers: [AnalyticsController],
  providers: [SalesProjection],
})
export class AnalyticsModule implements OnModuleInit {
  constructor(
    private readonly consumers: LogConsumers,
    private readonly sales: SalesProjection,
  ) {}

  onModuleInit(): void {
    this.consumers.register(this.sales);
  }
}
