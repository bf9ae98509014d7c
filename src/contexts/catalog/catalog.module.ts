import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { Metrics } from '../../platform/observability/metrics';
import { AddVariantHandler } from './application/add-variant';
import { CatalogReadCache, READ_CACHE_TTL_MS } from './application/catalog-read-cache';
import { CreateCategoryHandler } from './application/create-category';
import { CreateProductHandler } from './application/create-product';
import { ImportProductsHandler } from './application/import-products';
import { toIntegrationEvent } from './application/integration-events';
import { ProductWrites } from './application/product-writes';
import { PublishProductHandler } from './application/publish-product';
import { ReviseProductHandler } from './application/revise-product';
import { ReviseVariantHandler } from './application/revise-variant';
import { UnpublishProductHandler } from './application/unpublish-product';
import { ProductCatalog } from './contracts';
import { upcastProductCreatedV1 } from './domain/product';
import { PgProductCatalog } from './infrastructure/pg.product-catalog';
import { CachedReadsHook } from './interface/cached-reads.hook';
import { CategoriesController } from './interface/categories.controller';
import { ProductRatingsSubscriber } from './interface/product-ratings.subscriber';
import { ProductVariantsController } from './interface/product-variants.controller';
import { ProductsController } from './interface/products.controller';
import { SearchController } from './interface/search.controller';
import { StockLevelsSubscriber } from './interface/stock-levels.subscriber';

/**
 * catalog: categories and products with their variants (state + events through the outbox), availability and ratings
 * copied from inventory's and reviews' events. Exports the ProductCatalog facade: cart prices its lines with it,
 * checkout weighs the parcel.
 */
@Module({
  controllers: [ProductsController, ProductVariantsController, CategoriesController, SearchController],
  providers: [
    {
      provide: CatalogReadCache,
      useFactory: (metrics: Metrics) => new CatalogReadCache(READ_CACHE_TTL_MS, Date.now, metrics.cacheLookups('catalog_read')),
      inject: [Metrics],
    },
    CachedReadsHook,
    ProductWrites,
    CreateCategoryHandler,
    CreateProductHandler,
    ImportProductsHandler,
    ReviseProductHandler,
    AddVariantHandler,
    ReviseVariantHandler,
    PublishProductHandler,
    UnpublishProductHandler,
    StockLevelsSubscriber,
    ProductRatingsSubscriber,
    { provide: ProductCatalog, useClass: PgProductCatalog },
  ],
  exports: [ProductCatalog],
})
export class CatalogModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly integrationEvents: IntegrationEvents,
    private readonly eventStore: EventStore,
    private readonly stockLevels: StockLevelsSubscriber,
    private readonly ratings: ProductRatingsSubscriber,
  ) {}

  onModuleInit(): void {
    this.eventStore.registerUpcaster({ type: 'ProductCreated', fromVersion: 1, upcast: upcastProductCreatedV1 });
    this.integrationEvents.registerTranslator('catalog', toIntegrationEvent);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.stockLevels.subscribe();
    await this.ratings.subscribe();
  }
}
