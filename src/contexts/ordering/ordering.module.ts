import { DynamicModule, Module, OnApplicationBootstrap, OnModuleInit, Type } from '@nestjs/common';
import { LogConsumers } from '../../platform/consumers/log-consumer';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { CancelOrderHandler } from './application/cancel-order';
import { CheckoutProcess } from './application/checkout.process';
import { ConfirmOrderHandler } from './application/confirm-order';
import { CheckoutMetrics } from './application/checkout-metrics';
import { couponRedemptionsProjection } from './application/coupon-redemptions';
import { CreateCouponHandler } from './application/create-coupon';
import { orderPlacedV1Upcaster } from './application/order-placed.upcaster';
import { ordersProjection } from './application/orders.projection';
import { OrderOutcomes } from './application/order-outcomes';
import { PlaceOrderHandler } from './application/place-order';
import { SetTaxRateHandler } from './application/set-tax-rate';
import { toIntegrationEvent } from './application/to-integration-events';
import { CheckoutController } from './interface/checkout.controller';
import { CouponsController } from './interface/coupons.controller';
import { OrdersController } from './interface/orders.controller';
import { TaxRatesController } from './interface/tax-rates.controller';
import { ApproveReturnHandler } from './application/approve-return';
import { DeliverOrderHandler } from './application/deliver-order';
import { orderLifecycleProjection } from './application/order-lifecycle.projection';
import { RecordRefundOutcomeHandler } from './application/record-refund-outcome';
import { RequestCancellationHandler } from './application/request-cancellation';
import { RequestRefundHandler } from './application/request-refund';
import { RequestReturnHandler } from './application/request-return';
import { ShipOrderHandler } from './application/ship-order';
import { AdminOrdersController } from './interface/admin-orders.controller';
import { FulfilmentController } from './interface/fulfilment.controller';
import { CheckoutInputsSubscriber } from './interface/checkout-inputs.subscriber';
import { RefundOutcomesSubscriber } from './interface/refund-outcomes.subscriber';
import { RefundsController } from './interface/refunds.controller';
import { ReturnsController } from './interface/returns.controller';
import { RecordDispatchHandler } from './application/record-dispatch';
import { RecordInterceptionFailureHandler } from './application/record-interception-failure';
import { RecordParcelReturnHandler } from './application/record-parcel-return';
import { ShipmentFactsSubscriber } from './interface/shipment-facts.subscriber';
import { PrometheusCheckoutMetrics } from './infrastructure/prometheus.checkout-metrics';

/** The modules that provide what ordering injects from other contexts, chosen by the composition root. */
export type OrderingDependencies = {
  /** Exports CartContents (cart's): the cart a checkout orders. */
  cartContents: Type<unknown> | DynamicModule;
  /** Exports ProductCatalog (catalog's): the variants' weights for the parcel. */
  productCatalog: Type<unknown> | DynamicModule;
  /** Exports ShippingRates (shipping's): the chosen method's price at checkout. */
  shippingRates: Type<unknown> | DynamicModule;
  /** Exports Shipments (shipping's): hands a shipped order's parcel to its carrier. */
  shipments: Type<unknown> | DynamicModule;
};

/**
 * ordering: orders (event-sourced, inline projections `ordering.orders`, refunds and returns), the checkout process
 * manager and the order's life after it.
 */
@Module({
  controllers: [
    CheckoutController,
    OrdersController,
    TaxRatesController,
    CouponsController,
    FulfilmentController,
    RefundsController,
    ReturnsController,
    AdminOrdersController,
  ],
  providers: [
    PlaceOrderHandler,
    OrderOutcomes,
    ConfirmOrderHandler,
    CancelOrderHandler,
    { provide: CheckoutMetrics, useClass: PrometheusCheckoutMetrics },
    CheckoutProcess,
    SetTaxRateHandler,
    CreateCouponHandler,
    RequestCancellationHandler,
    ShipOrderHandler,
    DeliverOrderHandler,
    RequestRefundHandler,
    RecordRefundOutcomeHandler,
    RequestReturnHandler,
    ApproveReturnHandler,
    RefundOutcomesSubscriber,
    CheckoutInputsSubscriber,
    RecordDispatchHandler,
    RecordParcelReturnHandler,
    RecordInterceptionFailureHandler,
    ShipmentFactsSubscriber,
  ],
})
export class OrderingModule implements OnModuleInit, OnApplicationBootstrap {
  static register({ cartContents, productCatalog, shippingRates, shipments }: OrderingDependencies): DynamicModule {
    return { module: OrderingModule, imports: [...new Set([cartContents, productCatalog, shippingRates, shipments])] };
  }

  constructor(
    private readonly events: EventStore,
    private readonly integrationEvents: IntegrationEvents,
    private readonly consumers: LogConsumers,
    private readonly checkout: CheckoutProcess,
    private readonly refundOutcomes: RefundOutcomesSubscriber,
    private readonly checkoutInputs: CheckoutInputsSubscriber,
    private readonly shipmentFacts: ShipmentFactsSubscriber,
  ) {}

  onModuleInit(): void {
    this.events.registerInlineProjection(ordersProjection);
    this.events.registerInlineProjection(orderLifecycleProjection);
    this.events.registerInlineProjection(couponRedemptionsProjection);
    this.events.registerUpcaster(orderPlacedV1Upcaster);
    this.integrationEvents.registerTranslator('ordering', toIntegrationEvent);
    this.consumers.register(this.checkout.timeouts);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.checkoutInputs.subscribe();
    await this.refundOutcomes.subscribe();
    await this.shipmentFacts.subscribe();
  }
}
