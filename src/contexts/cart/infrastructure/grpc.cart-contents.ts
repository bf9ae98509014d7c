import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { moneyFromWire, moneyToWire, type MoneyWire } from '../../../platform/grpc/common-wire';
import { loadFacadeService } from '../../../platform/grpc/facade-service';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import { createFacadeClient, type FacadeClient } from '../../../platform/grpc/grpc-facade-client';
import { bindFacade, type FacadeBinding } from '../../../platform/grpc/grpc-facade-server';
import { type CartLineSnapshot, CartContents, type CartSnapshot } from '../contracts';

/** cart.proto sits next to the contracts, in src/ and (copied by the build) in dist/. */
const cartContentsService = () => loadFacadeService(join(__dirname, '../contracts/cart.proto'), 'orderly.cart.v1.CartContents');

type CartLineWire = { sku: string; productId?: string; name: string; quantity: number; unitPrice: MoneyWire | null };
type CartSnapshotWire = { cartId: string; version: number; checkouts: number; lines: CartLineWire[] };
type GetCartRequest = { cartId: string };

const cartToWire = (cart: CartSnapshot): CartSnapshotWire => ({
  cartId: cart.cartId,
  version: cart.version,
  checkouts: cart.checkouts,
  lines: cart.lines.map((line) => ({
    sku: line.sku,
    ...(line.productId !== undefined ? { productId: line.productId } : {}),
    name: line.name,
    quantity: line.quantity,
    unitPrice: moneyToWire(line.unitPrice),
  })),
});

const lineFromWire = (wire: CartLineWire): CartLineSnapshot => ({
  sku: wire.sku,
  ...(wire.productId !== undefined ? { productId: wire.productId } : {}),
  name: wire.name,
  quantity: wire.quantity,
  unitPrice: moneyFromWire(wire.unitPrice, 'unitPrice'),
});

const cartFromWire = (wire: CartSnapshotWire): CartSnapshot => ({
  cartId: wire.cartId,
  version: wire.version,
  checkouts: wire.checkouts,
  lines: wire.lines.map(lineFromWire),
});

/**
 * CartContents answered by the cart service: for a process that does not run the cart. A refused checkout throws
 * the cart's own problem again (`cart.price_changed` with its details, `cart.item_unavailable`).
 */
export class GrpcCartContents extends CartContents implements OnApplicationShutdown {
  private readonly client: FacadeClient;

  constructor(address: string, options?: Partial<GrpcClientOptions>) {
    super();
    this.client = createFacadeClient(cartContentsService(), address, options);
  }

  async getCart(cartId: string): Promise<CartSnapshot> {
    return cartFromWire(await this.client.call<GetCartRequest, CartSnapshotWire>('GetCart', { cartId }));
  }

  async getCartForCheckout(cartId: string): Promise<CartSnapshot> {
    return cartFromWire(await this.client.call<GetCartRequest, CartSnapshotWire>('GetCartForCheckout', { cartId }));
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** Serves `contents` (the in-process CartContents) as orderly.cart.v1.CartContents. */
export const cartContentsBinding = (contents: CartContents): FacadeBinding =>
  bindFacade(cartContentsService(), {
    GetCart: async ({ cartId }: GetCartRequest) => cartToWire(await contents.getCart(cartId)),
    GetCartForCheckout: async ({ cartId }: GetCartRequest) => cartToWire(await contents.getCartForCheckout(cartId)),
  });

/** Provides and exports CartContents as a client of the cart service at `address` (`host:port`). */
@Module({})
export class CartContentsGrpcClientModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    return {
      module: CartContentsGrpcClientModule,
      providers: [{ provide: CartContents, useFactory: () => new GrpcCartContents(address, options) }],
      exports: [CartContents],
    };
  }
}
