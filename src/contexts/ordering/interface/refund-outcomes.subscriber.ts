import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { type InboxEffect, on, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { PaymentMessages } from '../../payment/contracts';
import { RecordRefundOutcomeHandler } from '../application/record-refund-outcome';

const SUBSCRIBER = 'ordering.refunds';

/** The fields of `payment.payment-refunded.v1` / `payment.refund-rejected.v1` the order reads; others are ignored. */
const Answer = z.object({
  orderId: z.string().min(1).max(100),
  refundId: z.string().min(1).max(200).optional(),
  reason: z.string().max(200).optional(),
});

/** Payment's answers to the order's refunds, applied once each; the checkout's own refunds (no refund id) are not ours. */
@Injectable()
export class RefundOutcomesSubscriber {
  private readonly subscription: Subscription<InboxEffect>;

  constructor(bus: MessageBus, inbox: Inbox, clock: Clock, record: RecordRefundOutcomeHandler, metrics: Metrics) {
    this.subscription = new Subscription(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [PaymentMessages.paymentRefunded]: on(Answer, ({ orderId, refundId }, { meta }) =>
          refundId === undefined ? undefined : (tx: Sql) => record.execute({ orderId, refundId, outcome: 'refunded' }, meta, tx),
        ),
        [PaymentMessages.refundRejected]: on(Answer, ({ orderId, refundId, reason }, { meta }) =>
          refundId === undefined
            ? undefined
            : (tx: Sql) => record.execute({ orderId, refundId, outcome: 'rejected', reason: reason ?? 'rejected' }, meta, tx),
        ),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribe((message) => this.handle(message));
  }

  handle(message: IntegrationMessage): Promise<void> {
    return this.subscription.handleOne(message);
  }
}
