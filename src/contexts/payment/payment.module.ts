import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { AuthorizePaymentHandler } from './application/authorize-payment';
import { CapturePaymentHandler } from './application/capture-payment';
import { PaymentGateway } from './application/ports';
import { RefundPaymentHandler } from './application/refund-payment';
import { toIntegrationEvent } from './application/to-integration-events';
import { VoidPaymentHandler } from './application/void-payment';
import { SandboxPaymentGateway } from './infrastructure/sandbox.payment-gateway';
import { PaymentCommandsSubscriber } from './interface/payment-commands.subscriber';

/** payment: one event-sourced payment per order behind the PaymentGateway port (the sandbox provider by default). */
@Module({
  providers: [
    AuthorizePaymentHandler,
    CapturePaymentHandler,
    VoidPaymentHandler,
    RefundPaymentHandler,
    PaymentCommandsSubscriber,
    { provide: PaymentGateway, useClass: SandboxPaymentGateway },
  ],
})
export class PaymentModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly integrationEvents: IntegrationEvents,
    private readonly commands: PaymentCommandsSubscriber,
  ) {}

  onModuleInit(): void {
    this.integrationEvents.registerTranslator('payment', toIntegrationEvent);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.commands.subscribe();
  }
}
