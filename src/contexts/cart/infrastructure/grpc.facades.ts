import { type DynamicModule, Module } from '@nestjs/common';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import type { FacadeBinding, FacadeSource } from '../../../platform/grpc/grpc-facade-server';
import { CartContents, GuestCarts } from '../contracts';
import { cartContentsBinding, CartContentsGrpcClientModule } from './grpc.cart-contents';
import { guestCartsBinding, GuestCartsGrpcClientModule } from './grpc.guest-carts';

/** The facades the cart serves to other services, taken from the app that runs it (for a GrpcFacadeServer). */
export const cartGrpcBindings = (app: FacadeSource): FacadeBinding[] => [
  cartContentsBinding(app.get(CartContents, { strict: false })),
  guestCartsBinding(app.get(GuestCarts, { strict: false })),
];

/** Exports every facade of the cart (CartContents, GuestCarts) as clients of the cart service at `address`. */
@Module({})
export class CartGrpcClientsModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    const clients = [CartContentsGrpcClientModule.forAddress(address, options), GuestCartsGrpcClientModule.forAddress(address, options)];
    return { module: CartGrpcClientsModule, imports: clients, exports: clients };
  }
}
