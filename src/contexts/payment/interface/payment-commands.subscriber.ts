import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
import { Clock } from '../../../shared-kernel/clock';
import { AuthorizePaymentHandler } from '../application/authorize-payment';
import { CapturePaymentHandler } from '../application/capture-payment';
import type { CommitOnce } from '../application/ports';
import { RefundPaymentHandler } from '../application/refund-payment';
import { VoidPaymentHandler } from '../application/void-payment';
import { PaymentMessages } from '../contracts';

const SUBSCRIBER = 'payment.commands';

const Amount = z.object({ amount: z.number().int().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) });
const OrderRef = z.object({ orderId: z.string().min(1).max(100) });
const Authorize = OrderRef.extend({
  amount: Amount,
  paymentToken: z.string().min(1).max(200),
  capture: z.enum(['immediate', 'on_confirmation']).optional(),
});
const WithAmount = OrderRef.extend({ amount: Amount });
const Refund = WithAmount.extend({ refundId: z.string().min(1).max(200).optional() });

/** The commands payment accepts on the bus (subscriber `payment.commands`); each outcome is committed with its inbox row. */
@Injectable()
export class PaymentCommandsSubscriber {
  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly authorize: AuthorizePaymentHandler,
    private readonly capture: CapturePaymentHandler,
    private readonly voidPayment: VoidPaymentHandler,
    private readonly refund: RefundPaymentHandler,
  ) {}

  subscribe(): Promise<void> {
    const types = [
      PaymentMessages.authorizePayment,
      PaymentMessages.capturePayment,
      PaymentMessages.voidPayment,
      PaymentMessages.refundPayment,
    ];
    return this.bus.subscribe(SUBSCRIBER, types, (message) => this.handle(message));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now());
    const commitOnce: CommitOnce = (work) => this.inbox.handleOnce(SUBSCRIBER, message.id, work);
    switch (message.type) {
      case PaymentMessages.authorizePayment:
        return this.authorize.execute(Authorize.parse(message.data), meta, commitOnce);
      case PaymentMessages.capturePayment:
        return this.capture.execute(WithAmount.parse(message.data), meta, commitOnce);
      case PaymentMessages.voidPayment:
        return this.voidPayment.execute(OrderRef.parse(message.data), meta, commitOnce);
      case PaymentMessages.refundPayment:
        return this.refund.execute(Refund.parse(message.data), meta, commitOnce);
    }
  }
}
