import { Module, OnModuleInit } from '@nestjs/common';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { CreateShippingMethodHandler } from './application/create-shipping-method';
import { DispatchShipmentHandler } from './application/dispatch-shipment';
import { Carriers } from './application/ports';
import { ConfiguredShippingRates } from './application/quote-shipping';
import { RecordTrackingEventHandler } from './application/record-tracking-event';
import { ReviseShippingMethodHandler } from './application/revise-shipping-method';
import { shipmentsProjection } from './application/shipments.projection';
import { toIntegrationEvent } from './application/to-integration-events';
import { ShippingRates, Shipments } from './contracts';
import { SandboxCarrier } from './infrastructure/sandbox.carrier';
import { SandboxWebhookController } from './interface/sandbox-webhook.controller';
import { ShipmentsController } from './interface/shipments.controller';
import { ShippingMethodsController } from './interface/shipping-methods.controller';

/**
 * shipping: methods and their rates (state), shipments (event-sourced) handed to carriers behind the Carrier port.
 * Exports ShippingRates (checkout prices delivery through it) and Shipments (ordering dispatches its orders).
 */
@Module({
  controllers: [ShippingMethodsController, ShipmentsController, SandboxWebhookController],
  providers: [
    CreateShippingMethodHandler,
    ReviseShippingMethodHandler,
    RecordTrackingEventHandler,
    SandboxCarrier,
    // one entry per carrier adapter; tests replace the list with their own
    { provide: Carriers, useFactory: (sandbox: SandboxCarrier) => new Carriers([sandbox]), inject: [SandboxCarrier] },
    { provide: ShippingRates, useClass: ConfiguredShippingRates },
    { provide: Shipments, useClass: DispatchShipmentHandler },
  ],
  exports: [ShippingRates, Shipments],
})
export class ShippingModule implements OnModuleInit {
  constructor(
    private readonly eventStore: EventStore,
    private readonly integrationEvents: IntegrationEvents,
  ) {}

  onModuleInit(): void {
    this.eventStore.registerInlineProjection(shipmentsProjection);
    this.integrationEvents.registerTranslator('shipping', toIntegrationEvent);
  }
}
