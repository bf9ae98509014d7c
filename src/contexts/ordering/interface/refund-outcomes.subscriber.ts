import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { retryOnConflict } from '../../../platform/event-store/event-store';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
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
  private readonly logger = new Logger(RefundOutcomesSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly record: RecordRefundOutcomeHandler,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribe(SUBSCRIBER, [PaymentMessages.paymentRefunded, PaymentMessages.refundRejected], (m) => this.handle(m));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const parsed = Answer.safeParse(message.data);
    if (!parsed.success) {
      this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
      return;
    }
    const { orderId, refundId, reason } = parsed.data;
    if (refundId === undefined) return;
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now());
    const outcome =
      message.type === PaymentMessages.paymentRefunded
        ? ({ outcome: 'refunded' } as const)
        : ({ outcome: 'rejected', reason: reason ?? 'rejected' } as const);
    await retryOnConflict(() =>
      this.inbox.handleOnce(SUBSCRIBER, message.id, (tx) => this.record.execute({ orderId, refundId, ...outcome }, meta, tx)),
    );
  }
}
