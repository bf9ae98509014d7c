import { Global, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { CreateCategoryHandler } from './application/create-category';
import { CreateProductHandler } from './application/create-product';
import { toIntegrationEvent } from './application/integration-events';
import { ReviseProductHandler } from './application/revise-product';
import { ProductCatalog } from './contracts';
import { PgProductCatalog } from './infrastructure/pg.product-catalog';
import { CategoriesController } from './interface/categories.controller';
import { ProductsController } from './interface/products.controller';
import { StockLevelsSubscriber } from './interface/stock-levels.subscriber';

/** Global so other contexts can inject the ProductCatalog facade without importing this module. */
@Global()
@Module({
  controllers: [ProductsController, CategoriesController],
  providers: [
    CreateCategoryHandler,
    CreateProductHandler,
    ReviseProductHandler,
    StockLevelsSubscriber,
    { provide: ProductCatalog, useClass: PgProductCatalog },
  ],
  exports: [ProductCatalog],
})
export class CatalogModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly integrationEvents: IntegrationEvents,
    private readonly stockLevels: StockLevelsSubscriber,
  ) {}

  onModuleInit(): void {
    this.integrationEvents.registerTranslator('catalog', toIntegrationEvent);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.stockLevels.subscribe();
  }
}
