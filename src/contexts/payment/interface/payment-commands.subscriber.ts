import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { EventStore } from '../../../platform/event-store/event-store';
import { handleByKey, orderIdOf, splitBatch } from '../../../platform/messaging/batches';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { type Accepted, on, orderKeyOf, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
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

/** A command: asks the provider, then commits what it answered through `commitOnce`. */
type PaymentCommand = (commitOnce: CommitOnce) => Promise<void>;

/**
 * The commands payment accepts on the bus (subscriber `payment.commands`); each outcome is committed with its inbox
 * row. A malformed command is recorded as poison, never retried (see `Subscription`).
 */
@Injectable()
export class PaymentCommandsSubscriber {
  private readonly subscription: Subscription<PaymentCommand>;

  constructor(
    bus: MessageBus,
    inbox: Inbox,
    clock: Clock,
    authorize: AuthorizePaymentHandler,
    capture: CapturePaymentHandler,
    voidPayment: VoidPaymentHandler,
    refund: RefundPaymentHandler,
    private readonly events: EventStore,
    metrics: Metrics,
  ) {
    this.subscription = new Subscription<PaymentCommand>(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [PaymentMessages.authorizePayment]: on(
          Authorize,
          (command, { meta }) =>
            (commitOnce) =>
              authorize.execute(command, meta, commitOnce),
        ),
        [PaymentMessages.capturePayment]: on(
          WithAmount,
          (command, { meta }) =>
            (commitOnce) =>
              capture.execute(command, meta, commitOnce),
        ),
        [PaymentMessages.voidPayment]: on(
          OrderRef,
          (command, { meta }) =>
            (commitOnce) =>
              voidPayment.execute(command, meta, commitOnce),
        ),
        [PaymentMessages.refundPayment]: on(
          Refund,
          (command, { meta }) =>
            (commitOnce) =>
              refund.execute(command, meta, commitOnce),
        ),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribeBatch((messages) => this.handleBatch(messages));
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
    const commands = await this.subscription.accept(messages);
    const { together, alone } = splitBatch(
      commands,
      ({ message }) => orderIdOf(message),
      () => true,
    );
    const learned = new Map<string, (tx: Sql) => Promise<void>>();
    const asked = await Promise.allSettled(
      together.map((command) =>
        this.execute(command, async (work) => {
          learned.set(command.id, work);
        }),
      ),
    );
    const effects = together.flatMap(({ id, message }) => {
      const effect = learned.get(id);
      // a command goes with others only when it names its order (splitBatch)
      return effect ? [{ id, effect, payment: paymentStream(orderIdOf(message)!) }] : [];
    });
    if (effects.length > 0) {
      await this.subscription.applyTogether(effects, async (tx, fresh) => {
        // each effect decides again on its payment as committed: one read for all of them
        await this.events.preload(
          fresh.map(({ payment }) => payment),
          tx,
        );
        for (const { effect } of fresh) await effect(tx);
      });
    }
    await handleByKey(alone, orderKeyOf, (command) => this.execute(command, (work) => this.subscription.applyOnce(command.message, work)));
    const failed = asked.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** In the message's own trace: its provider calls belong to its checkout, also in a batch of several checkouts. */
  private execute({ message, effect }: Accepted<PaymentCommand>, commitOnce: CommitOnce): Promise<void> {
    return withTraceOf(message, () => effect(commitOnce));
  }
}
