import { type DynamicModule, Module } from '@nestjs/common';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import type { FacadeBinding, FacadeSource } from '../../../platform/grpc/grpc-facade-server';
import { ProductCatalog } from '../contracts';
import { productCatalogBinding, ProductCatalogGrpcClientModule } from './grpc.product-catalog';

/** The facades the catalog serves to other services, taken from the app that runs it (for a GrpcFacadeServer). */
export const catalogGrpcBindings = (app: FacadeSource): FacadeBinding[] => [
  productCatalogBinding(app.get(ProductCatalog, { strict: false })),
];

/** Exports every facade of the catalog (ProductCatalog) as a client of the catalog service at `address`. */
@Module({})
export class CatalogGrpcClientsModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    const clients = [ProductCatalogGrpcClientModule.forAddress(address, options)];
    return { module: CatalogGrpcClientsModule, imports: clients, exports: clients };
  }
}
