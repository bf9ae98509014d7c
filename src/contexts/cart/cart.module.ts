import { Global, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { EventStore } from '../../platform/event-store/event-store';
import { AddCartItemHandler } from './application/add-cart-item';
import { cartsProjection } from './application/carts.projection';
import { ChangeCartItemQuantityHandler } from './application/change-cart-item-quantity';
import { CheckOutCartHandler } from './application/check-out-cart';
import { RemoveCartItemHandler } from './application/remove-cart-item';
import { CartContents } from './contracts';
import { PgCartContents } from './infrastructure/pg.cart-contents';
import { CartsController } from './interface/carts.controller';
import { OrderPlacedSubscriber } from './interface/order-placed.subscriber';

/** Global so ordering can inject the CartContents facade without importing this module. Needs ProductCatalog (catalog). */
@Global()
@Module({
  controllers: [CartsController],
  providers: [
    AddCartItemHandler,
    ChangeCartItemQuantityHandler,
    RemoveCartItemHandler,
    CheckOutCartHandler,
    OrderPlacedSubscriber,
    { provide: CartContents, useClass: PgCartContents },
  ],
  exports: [CartContents],
})
export class CartModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly eventStore: EventStore,
    private readonly orderPlaced: OrderPlacedSubscriber,
  ) {}

  onModuleInit(): void {
    this.eventStore.registerInlineProjection(cartsProjection);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.orderPlaced.subscribe();
  }
}
