import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { commandMetaFromWire, commandMetaToWire, type CommandMetaWire } from '../../../platform/grpc/common-wire';
import { loadFacadeService } from '../../../platform/grpc/facade-service';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import { createFacadeClient, type FacadeClient } from '../../../platform/grpc/grpc-facade-client';
import { bindFacade, type FacadeBinding } from '../../../platform/grpc/grpc-facade-server';
import { GuestCarts } from '../contracts';

/** cart.proto sits next to the contracts, in src/ and (copied by the build) in dist/. */
const guestCartsService = () => loadFacadeService(join(__dirname, '../contracts/cart.proto'), 'orderly.cart.v1.GuestCarts');

type MergeIntoCustomerCartRequest = { cartToken: string; customerId: string; meta: CommandMetaWire | null };

/** GuestCarts answered by the cart service: identity's login merge, for a process that does not run the cart. */
export class GrpcGuestCarts extends GuestCarts implements OnApplicationShutdown {
  private readonly client: FacadeClient;

  constructor(address: string, options?: Partial<GrpcClientOptions>) {
    super();
    this.client = createFacadeClient(guestCartsService(), address, options);
  }

  async mergeIntoCustomerCart(cartToken: string, customerId: string, meta: CommandMeta): Promise<void> {
    await this.client.call<MergeIntoCustomerCartRequest, object>(
      'MergeIntoCustomerCart',
      { cartToken, customerId, meta: commandMetaToWire(meta) },
      { correlationId: meta.correlationId },
    );
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** Serves `guestCarts` (the in-process GuestCarts) as orderly.cart.v1.GuestCarts. */
export const guestCartsBinding = (guestCarts: GuestCarts): FacadeBinding =>
  bindFacade(guestCartsService(), {
    MergeIntoCustomerCart: async ({ cartToken, customerId, meta }: MergeIntoCustomerCartRequest, call) => {
      await guestCarts.mergeIntoCustomerCart(cartToken, customerId, commandMetaFromWire(meta, call));
      return {};
    },
  });

/** Provides and exports GuestCarts as a client of the cart service at `address` (`host:port`). */
@Module({})
export class GuestCartsGrpcClientModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    return {
      module: GuestCartsGrpcClientModule,
      providers: [{ provide: GuestCarts, useFactory: () => new GrpcGuestCarts(address, options) }],
      exports: [GuestCarts],
    };
  }
}
