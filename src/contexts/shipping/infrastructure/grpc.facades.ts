import { type DynamicModule, Module } from '@nestjs/common';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import type { FacadeBinding, FacadeSource } from '../../../platform/grpc/grpc-facade-server';
import { Shipments, ShippingRates } from '../contracts';
import { shipmentsBinding, ShipmentsGrpcClientModule } from './grpc.shipments';
import { shippingRatesBinding, ShippingRatesGrpcClientModule } from './grpc.shipping-rates';

/** The facades shipping serves to other services, taken from the app that runs it (for a GrpcFacadeServer). */
export const shippingGrpcBindings = (app: FacadeSource): FacadeBinding[] => [
  shippingRatesBinding(app.get(ShippingRates, { strict: false })),
  shipmentsBinding(app.get(Shipments, { strict: false })),
];

/** Exports every facade of shipping (ShippingRates, Shipments) as clients of the shipping service at `address`. */
@Module({})
export class ShippingGrpcClientsModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    const clients = [ShippingRatesGrpcClientModule.forAddress(address, options), ShipmentsGrpcClientModule.forAddress(address, options)];
    return { module: ShippingGrpcClientsModule, imports: clients, exports: clients };
  }
}
