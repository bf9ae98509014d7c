import { DynamicModule, Module } from '@nestjs/common';
import { CartModule } from '../contexts/cart/cart.module';
import { CatalogModule } from '../contexts/catalog/catalog.module';
import { IdentityModule } from '../contexts/identity/identity.module';
import { InventoryModule } from '../contexts/inventory/inventory.module';
import { OrderingModule } from '../contexts/ordering/ordering.module';
import { PaymentModule } from '../contexts/payment/payment.module';
import { ShippingModule } from '../contexts/shipping/shipping.module';
import { NotificationsModule } from '../contexts/notifications/notifications.module';
import { AnalyticsModule } from '../contexts/analytics/analytics.module';
import { ReviewsModule } from '../contexts/reviews/reviews.module';
import type { Config } from '../platform/config';
import { PlatformModule, PlatformOptions } from './platform.module';

/** The monolith: the global platform plus every context. */
@Module({})
export class AppModule {
  static forRoot(config: Config, options: PlatformOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, options),
        IdentityModule,
        CatalogModule,
        InventoryModule,
        CartModule,
        OrderingModule,
        PaymentModule,
        ShippingModule,
        NotificationsModule,
        AnalyticsModule,
        ReviewsModule,
      ],
    };
  }
}
