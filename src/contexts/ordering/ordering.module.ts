import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { LogConsumers } from '../../platform/consumers/log-consumer';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationEvents, MessageBus } from '../../platform/messaging/message-bus';
import { CancelOrderHandler } from './application/cancel-order';
import { CHECKOUT_INPUT_TYPES, CHECKOUT_SUBSCRIBER, CheckoutProcess } from './application/checkout.process';
import { ConfirmOrderHandler } from './application/confirm-order';
import { ordersProjection } from './application/orders.projection';
import { PlaceOrderHandler } from './application/place-order';
import { toIntegrationEvent } from './application/to-integration-events';
import { CheckoutController } from './interface/checkout.controller';
import { OrdersController } from './interface/orders.controller';

/** ordering: orders (event-sourced, inline projection `ordering.orders`) and the checkout process manager. */
@Module({
  controllers: [CheckoutController, OrdersController],
  providers: [PlaceOrderHandler, ConfirmOrderHandler, CancelOrderHandler, CheckoutProcess],
})
export class OrderingModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly events: EventStore,
    private readonly integrationEvents: IntegrationEvents,
    private readonly consumers: LogConsumers,
    private readonly bus: MessageBus,
    private readonly checkout: CheckoutProcess,
  ) {}

  onModuleInit(): void {
    this.events.registerInlineProjection(ordersProjection);
    this.integrationEvents.registerTranslator('ordering', toIntegrationEvent);
    this.consumers.register(this.checkout.timeouts);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.subscribe(CHECKOUT_SUBSCRIBER, CHECKOUT_INPUT_TYPES, (message) => this.checkout.onMessage(message));
  }
}
