import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { moneyFromWire, moneyToWire, type MoneyWire } from '../../../platform/grpc/common-wire';
import { loadFacadeService } from '../../../platform/grpc/facade-service';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import { createFacadeClient, type FacadeClient } from '../../../platform/grpc/grpc-facade-client';
import { bindFacade, type FacadeBinding } from '../../../platform/grpc/grpc-facade-server';
import { type CatalogProduct, ProductCatalog } from '../contracts';

/** catalog.proto sits next to the contracts, in src/ and (copied by the build) in dist/. */
const productCatalogService = () => loadFacadeService(join(__dirname, '../contracts/catalog.proto'), 'orderly.catalog.v1.ProductCatalog');

type CatalogProductWire = {
  sku: string;
  productId: string;
  name: string;
  price: MoneyWire | null;
  weightGrams: number;
  published: boolean;
};
type FindBySkusRequest = { skus: string[] };
type FindBySkusResponse = { products: CatalogProductWire[] };

const productToWire = (product: CatalogProduct): CatalogProductWire => ({
  sku: product.sku,
  productId: product.productId,
  name: product.name,
  price: moneyToWire(product.price),
  weightGrams: product.weightGrams,
  published: product.published,
});

const productFromWire = (wire: CatalogProductWire): CatalogProduct => ({
  sku: wire.sku,
  productId: wire.productId,
  name: wire.name,
  price: moneyFromWire(wire.price, 'price'),
  weightGrams: wire.weightGrams,
  published: wire.published,
});

/** ProductCatalog answered by the catalog service: for a process that does not run the catalog. */
export class GrpcProductCatalog extends ProductCatalog implements OnApplicationShutdown {
  private readonly client: FacadeClient;

  constructor(address: string, options?: Partial<GrpcClientOptions>) {
    super();
    this.client = createFacadeClient(productCatalogService(), address, options);
  }

  async findBySkus(skus: readonly string[]): Promise<CatalogProduct[]> {
    const { products } = await this.client.call<FindBySkusRequest, FindBySkusResponse>('FindBySkus', { skus: [...skus] });
    return products.map(productFromWire);
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** Serves `catalog` (the in-process ProductCatalog) as orderly.catalog.v1.ProductCatalog. */
export const productCatalogBinding = (catalog: ProductCatalog): FacadeBinding =>
  bindFacade(productCatalogService(), {
    FindBySkus: async ({ skus }: FindBySkusRequest): Promise<FindBySkusResponse> => ({
      products: (await catalog.findBySkus(skus)).map(productToWire),
    }),
  });

/** Provides and exports ProductCatalog as a client of the catalog service at `address` (`host:port`). */
@Module({})
export class ProductCatalogGrpcClientModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    return {
      module: ProductCatalogGrpcClientModule,
      providers: [{ provide: ProductCatalog, useFactory: () => new GrpcProductCatalog(address, options) }],
      exports: [ProductCatalog],
    };
  }
}
