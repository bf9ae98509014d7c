import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Config } from '../../platform/config';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { Metrics } from '../../platform/observability/metrics';
import { Database } from '../../platform/persistence/database';
import { AuthorizePaymentHandler } from './application/authorize-payment';
import { CapturePaymentHandler } from './application/capture-payment';
import { paymentLedgerProjection } from './application/payment-ledger.projection';
import { PaymentGateway } from './application/ports';
import { RecordProviderReportHandler } from './application/record-provider-report';
import { RefundPaymentHandler } from './application/refund-payment';
import { toIntegrationEvent } from './application/to-integration-events';
import { VoidPaymentHandler } from './application/void-payment';
import { meterProviderCalls } from './infrastructure/metered.payment-gateway';
import { SandboxPaymentGateway } from './infrastructure/sandbox.payment-gateway';
import { PaymentCommandsSubscriber } from './interface/payment-commands.subscriber';
import { PaymentsController } from './interface/payments.controller';
import { SandboxWebhooksController } from './interface/sandbox-webhooks.controller';

/**
 * payment: one event-sourced payment per order behind the PaymentGateway port (the sandbox provider by default, its
 * calls timed for the metrics), its ledger (inline projection `payment.ledger`) and the provider's signed webhooks.
 */
@Module({
  controllers: [PaymentsController, SandboxWebhooksController],
  providers: [
    AuthorizePaymentHandler,
    CapturePaymentHandler,
    VoidPaymentHandler,
    RefundPaymentHandler,
    RecordProviderReportHandler,
    PaymentCommandsSubscriber,
    {
      provide: PaymentGateway,
      useFactory: (db: Database, metrics: Metrics, config: Config) =>
        meterProviderCalls(new SandboxPaymentGateway(db, config), metrics, config.paymentProviderTimeoutMs),
      inject: [Database, Metrics, Config],
    },
  ],
})
export class PaymentModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly events: EventStore,
    private readonly integrationEvents: IntegrationEvents,
    private readonly commands: PaymentCommandsSubscriber,
  ) {}

  onModuleInit(): void {
    this.events.registerInlineProjection(paymentLedgerProjection);
    this.integrationEvents.registerTranslator('payment', toIntegrationEvent);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.commands.subscribe();
  }
}
