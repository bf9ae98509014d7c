import { DynamicModule, Module, OnApplicationBootstrap, OnModuleInit, Type } from '@nestjs/common';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { AddCartItemHandler } from './application/add-cart-item';
import { CartViews } from './application/cart-views';
import { cartsProjection } from './application/carts.projection';
import { ChangeCartItemQuantityHandler } from './application/change-cart-item-quantity';
import { CheckOutCartHandler } from './application/check-out-cart';
import { MergeGuestCartHandler } from './application/merge-guest-cart';
import { RefreshCartHandler } from './application/refresh-cart';
import { RemoveCartItemHandler } from './application/remove-cart-item';
import { toIntegrationEvent } from './application/to-integration-events';
import { CartContents, GuestCarts } from './contracts';
import { PgCartContents } from './infrastructure/pg.cart-contents';
import { CartCallerGuard } from './interface/cart-caller';
import { CartsController } from './interface/carts.controller';
import { OrderPlacedSubscriber } from './interface/order-placed.subscriber';

/** The modules that provide what cart injects from other contexts, chosen by the composition root. */
export type CartDependencies = {
  /** Exports ProductCatalog (catalog's): names, prices and availability of the SKUs in carts. */
  productCatalog: Type<unknown> | DynamicModule;
};

/**
 * cart: carts (event-sourced, inline projection `cart.carts`) and guest carts. Exports CartContents (ordering reads
 * the cart it checks out) and GuestCarts (identity merges a guest cart at login).
 */
@Module({
  controllers: [CartsController],
  providers: [
    CartViews,
    CartCallerGuard,
    AddCartItemHandler,
    ChangeCartItemQuantityHandler,
    RemoveCartItemHandler,
    RefreshCartHandler,
    CheckOutCartHandler,
    OrderPlacedSubscriber,
    { provide: CartContents, useClass: PgCartContents },
    { provide: GuestCarts, useClass: MergeGuestCartHandler },
  ],
  exports: [CartContents, GuestCarts],
})
export class CartModule implements OnModuleInit, OnApplicationBootstrap {
  static register(dependencies: CartDependencies): DynamicModule {
    return { module: CartModule, imports: [dependencies.productCatalog] };
  }

  constructor(
    private readonly eventStore: EventStore,
    private readonly integrationEvents: IntegrationEvents,
    private readonly orderPlaced: OrderPlacedSubscriber,
  ) {}

  onModuleInit(): void {
    this.eventStore.registerInlineProjection(cartsProjection);
    this.integrationEvents.registerTranslator('cart', toIntegrationEvent);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.orderPlaced.subscribe();
  }
}
