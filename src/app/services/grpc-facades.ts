import type { DynamicModule } from '@nestjs/common';
import { CartGrpcClientsModule, cartGrpcBindings } from '../../contexts/cart/infrastructure/grpc.facades';
import { CatalogGrpcClientsModule, catalogGrpcBindings } from '../../contexts/catalog/infrastructure/grpc.facades';
import { IdentityGrpcClientsModule, identityGrpcBindings } from '../../contexts/identity/infrastructure/grpc.facades';
import { ShippingGrpcClientsModule, shippingGrpcBindings } from '../../contexts/shipping/infrastructure/grpc.facades';
import type { GrpcClientOptions } from '../../platform/grpc/grpc-client-options';
import type { FacadeBinding, FacadeSource } from '../../platform/grpc/grpc-facade-server';
import type { ContextName } from './topology';

type FacadeServing = {
  /** what the context's process serves (GrpcFacadeServer) */
  bindings(app: FacadeSource): FacadeBinding[];
  /** a module exporting the context's facades as clients of its process at `address` */
  clients(address: string, options: GrpcClientOptions): DynamicModule;
};

/** The contexts other contexts call synchronously, and how their facades cross processes. */
const SERVING: Partial<Record<ContextName, FacadeServing>> = {
  identity: { bindings: identityGrpcBindings, clients: (address, options) => IdentityGrpcClientsModule.forAddress(address, options) },
  catalog: { bindings: catalogGrpcBindings, clients: (address, options) => CatalogGrpcClientsModule.forAddress(address, options) },
  cart: { bindings: cartGrpcBindings, clients: (address, options) => CartGrpcClientsModule.forAddress(address, options) },
  shipping: { bindings: shippingGrpcBindings, clients: (address, options) => ShippingGrpcClientsModule.forAddress(address, options) },
};

const serving = (context: ContextName): FacadeServing => {
  const known = SERVING[context];
  if (!known) throw new Error(`${context} serves no facade to other contexts`);
  return known;
};

/** The gRPC services a process running `context` serves. */
export const facadeBindings = (context: ContextName, app: FacadeSource): FacadeBinding[] => serving(context).bindings(app);

/** A module exporting `context`'s facades as gRPC clients of the process at `address`. */
export const facadeClientModule = (context: ContextName, address: string, options: GrpcClientOptions): DynamicModule =>
  serving(context).clients(address, options);
