import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import {
  commandMetaFromWire,
  commandMetaToWire,
  type CommandMetaWire,
  postalAddressFromWire,
  postalAddressToWire,
  type PostalAddressWire,
} from '../../../platform/grpc/common-wire';
import { loadFacadeService } from '../../../platform/grpc/facade-service';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import { createFacadeClient, type FacadeClient } from '../../../platform/grpc/grpc-facade-client';
import { bindFacade, type FacadeBinding } from '../../../platform/grpc/grpc-facade-server';
import { type DispatchRequest, Shipments } from '../contracts';

/** shipping.proto sits next to the contracts, in src/ and (copied by the build) in dist/. */
const shipmentsService = () => loadFacadeService(join(__dirname, '../contracts/shipping.proto'), 'orderly.shipping.v1.Shipments');

type CheckDispatchRequest = { orderId: string; carrier: string; trackingNumber: string };
type DispatchRequestWire = CheckDispatchRequest & { address: PostalAddressWire | null; meta: CommandMetaWire | null };
type DispatchResponse = { shipmentId: string };

/**
 * Shipments answered by the shipping service: ordering's dispatch, for a process that does not run shipping. Its
 * refusals are shipping's own problems again (`shipping.already_dispatched`, `shipping.unknown_carrier`, …).
 */
export class GrpcShipments extends Shipments implements OnApplicationShutdown {
  private readonly client: FacadeClient;

  constructor(address: string, options?: Partial<GrpcClientOptions>) {
    super();
    this.client = createFacadeClient(shipmentsService(), address, options);
  }

  async dispatch(request: DispatchRequest, meta: CommandMeta): Promise<{ shipmentId: string }> {
    const { shipmentId } = await this.client.call<DispatchRequestWire, DispatchResponse>(
      'Dispatch',
      {
        orderId: request.orderId,
        carrier: request.carrier,
        trackingNumber: request.trackingNumber,
        address: postalAddressToWire(request.address),
        meta: commandMetaToWire(meta),
      },
      { correlationId: meta.correlationId },
    );
    return { shipmentId };
  }

  async checkDispatch({
    orderId,
    carrier,
    trackingNumber,
  }: Pick<DispatchRequest, 'orderId' | 'carrier' | 'trackingNumber'>): Promise<void> {
    await this.client.call<CheckDispatchRequest, object>('CheckDispatch', { orderId, carrier, trackingNumber });
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** Serves `shipments` (the in-process Shipments) as orderly.shipping.v1.Shipments. */
export const shipmentsBinding = (shipments: Shipments): FacadeBinding =>
  bindFacade(shipmentsService(), {
    Dispatch: async ({ orderId, carrier, trackingNumber, address, meta }: DispatchRequestWire, call): Promise<DispatchResponse> => {
      const request = { orderId, carrier, trackingNumber, address: postalAddressFromWire(address) };
      const { shipmentId } = await shipments.dispatch(request, commandMetaFromWire(meta, call));
      return { shipmentId };
    },
    CheckDispatch: async ({ orderId, carrier, trackingNumber }: CheckDispatchRequest) => {
      await shipments.checkDispatch({ orderId, carrier, trackingNumber });
      return {};
    },
  });

/** Provides and exports Shipments as a client of the shipping service at `address` (`host:port`). */
@Module({})
export class ShipmentsGrpcClientModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    return {
      module: ShipmentsGrpcClientModule,
      providers: [{ provide: Shipments, useFactory: () => new GrpcShipments(address, options) }],
      exports: [Shipments],
    };
  }
}
