import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { EventStore } from '../../../platform/event-store/event-store';
import { handleByKey, handleTogether, orderIdOf, splitBatch } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
import { withTraceOf } from '../../../platform/observability/tracing-context';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { AuthorizePaymentHandler } from '../application/authorize-payment';
import { CapturePaymentHandler } from '../application/capture-payment';
import type { CommitOnce } from '../application/ports';
import { RefundPaymentHandler } from '../application/refund-payment';
import { VoidPaymentHandler } from '../application/void-payment';
import { PaymentMessages } from '../contracts';
import { paymentStream } from '../domain/payment';

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
    private readonly events: EventStore,
  ) {}

  subscribe(): Promise<void> {
    const types = [
      PaymentMessages.authorizePayment,
      PaymentMessages.capturePayment,
      PaymentMessages.voidPayment,
      PaymentMessages.refundPayment,
    ];
    return this.bus.subscribeBatch(SUBSCRIBER, types, (messages) => this.handleBatch(messages));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /**
   * A batch (the in-process bus: what one read of the log brought; a broker: one message). The commands of orders that
   * have one in the batch go to the provider side by side, and what the provider answered commits at the end in one
   * inbox transaction, in the batch's order (decided again there, on the state as committed): a batch of checkouts
   * costs one commit. An order with several commands in the batch has them applied one after the other, each
   * committed before the next asks the provider. A command that fails leaves the others committed and is retried.
   */
  async handleBatch(messages: IntegrationMessage[]): Promise<void> {
    const { together, alone } = splitBatch(messages, orderIdOf, () => true);
    const learned = new Map<string, (tx: Sql) => Promise<void>>();
    const asked = await Promise.allSettled(
      together.map((message) =>
        this.execute(message, async (work) => {
          learned.set(message.id, work);
        }),
      ),
    );
    const effects = together.flatMap((message) => {
      const effect = learned.get(message.id);
      // a message goes with others only when it names its order (splitBatch)
      return effect ? [{ id: message.id, effect, payment: paymentStream(orderIdOf(message)!) }] : [];
    });
    if (effects.length > 0) {
      await handleTogether(this.inbox, SUBSCRIBER, effects, async (tx, fresh) => {
        // each effect decides again on its payment as committed: one read for all of them
        await this.events.preload(
          fresh.map(({ payment }) => payment),
          tx,
        );
        for (const { effect } of fresh) await effect(tx);
      });
    }
    await handleByKey(alone, orderIdOf, (message) => this.execute(message, (work) => this.inbox.handleOnce(SUBSCRIBER, message.id, work)));
    const failed = asked.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** In the message's own trace: its provider calls belong to its checkout, also in a batch of several checkouts. */
  private execute(message: IntegrationMessage, commitOnce: CommitOnce): Promise<void> {
    return withTraceOf(message, () => this.executeNow(message, commitOnce));
  }

  private executeNow(message: IntegrationMessage, commitOnce: CommitOnce): Promise<void> {
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now());
    switch (message.type) {
      case PaymentMessages.authorizePayment:
        return this.authorize.execute(Authorize.parse(message.data), meta, commitOnce);
      case PaymentMessages.capturePayment:
        return this.capture.execute(WithAmount.parse(message.data), meta, commitOnce);
      case PaymentMessages.voidPayment:
        return this.voidPayment.execute(OrderRef.parse(message.data), meta, commitOnce);
      case PaymentMessages.refundPayment:
        return this.refund.execute(Refund.parse(message.data), meta, commitOnce);
      default:
        return Promise.resolve();
    }
  }
}
