import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Config } from '../../../platform/config';
import type { LogConsumer } from '../../../platform/consumers/log-consumer';
import { type CommandMeta, EventStore, type RecordedEvent, traceOf } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { Scheduler } from '../../../platform/scheduling/scheduler';
import { Clock } from '../../../shared-kernel/clock';
import { InventoryMessages } from '../../inventory/contracts';
import { PaymentMessages } from '../../payment/contracts';
import { checkoutDecider, checkoutStream, checkoutTimeoutKey, decide, type CheckoutInput } from '../domain/checkout';
import { orderStream } from '../domain/order';
import { CancelOrderHandler } from './cancel-order';
import { ConfirmOrderHandler } from './confirm-order';

export const CHECKOUT_SUBSCRIBER = 'ordering.checkout';

const OrderRef = z.object({ orderId: z.string().min(1) });
// a failure without `operation` is treated as a failed capture: voiding what is not held is harmless, the reverse is not
const Failure = OrderRef.extend({ operation: z.enum(['authorize', 'capture']).catch('capture') });
const WithAmount = OrderRef.extend({ amount: z.object({ amount: z.number().int(), currency: z.string().length(3) }) });

/** An input of the checkout from inventory or payment: the order it is about, and what it means to its checkout. */
export type CheckoutStep = { orderId: string; input: CheckoutInput };

const step = (input: CheckoutInput) => OrderRef.transform(({ orderId }): CheckoutStep => ({ orderId, input }));

/**
 * The messages the checkout listens to: the schema each one's data must match, read into the step it is (consumers
 * tolerate extra fields). `CheckoutInputsSubscriber` subscribes with them.
 */
export const CHECKOUT_INPUTS: Readonly<Record<string, z.ZodType<CheckoutStep>>> = {
  [InventoryMessages.stockReserved]: step({ type: 'StockReserved' }),
  [InventoryMessages.stockReservationRejected]: step({ type: 'StockReservationRejected' }),
  [PaymentMessages.paymentAuthorized]: step({ type: 'PaymentAuthorized' }),
  [PaymentMessages.paymentDeclined]: step({ type: 'PaymentDeclined' }),
  [PaymentMessages.paymentFailed]: Failure.transform(({ orderId, operation }): CheckoutStep => ({
    orderId,
    input: { type: 'PaymentFailed', operation },
  })),
  [PaymentMessages.paymentCaptured]: WithAmount.transform(({ orderId, amount }): CheckoutStep => ({
    orderId,
    input: { type: 'PaymentCaptured', amount },
  })),
  [PaymentMessages.paymentVoided]: step({ type: 'PaymentVoided' }),
  [PaymentMessages.paymentRefunded]: WithAmount.transform(({ orderId, amount }): CheckoutStep => ({
    orderId,
    input: { type: 'PaymentRefunded', amount },
  })),
};

/**
 * The checkout process manager: applies each input to the checkout decider in one transaction with its effects.
 * Its outputs ("…Requested") leave through the outbox as commands; on CheckoutCompleted / CheckoutFailed it
 * confirms or cancels the order (same context, same transaction) and cancels its timeout.
 */
@Injectable()
export class CheckoutProcess {
  constructor(
    private readonly events: EventStore,
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    private readonly confirmOrder: ConfirmOrderHandler,
    private readonly cancelOrder: CancelOrderHandler,
    private readonly config: Config,
  ) {}

  /**
   * What a step does to its checkout, in the inbox transaction that records message `messageId` (see
   * `CheckoutInputsSubscriber`, which applies a batch of them in one).
   */
  effectOf({ orderId, input }: CheckoutStep, meta: CommandMeta, messageId: string): (tx: Sql) => Promise<void> {
    return (tx) => this.apply(orderId, input, meta, messageId, tx);
  }

  /** Reads the streams the steps of these orders decide on (each checkout's and its order's) in one round trip. */
  preload(orderIds: readonly string[], tx: Sql): Promise<void> {
    return this.events.preload(
      orderIds.flatMap((orderId) => [checkoutStream(orderId), orderStream(orderId)]),
      tx,
    );
  }

  /** The checkout's deadline: the scheduler appended CheckoutTimedOut to its stream; this consumer acts on it. */
  readonly timeouts: LogConsumer = {
    name: 'ordering.checkout-timeouts',
    types: ['CheckoutTimedOut'],
    handle: async (event: RecordedEvent, tx: Sql) => {
      if (!event.stream.startsWith('ordering.checkout-')) return;
      const { orderId } = OrderRef.parse(event.data);
      const { correlationId, eventId } = event.metadata;
      await this.apply(
        orderId,
        { type: 'TimedOut' },
        { correlationId, causationId: eventId, ...traceOf(event.metadata), now: this.clock.now() },
        eventId,
        tx,
      );
    },
  };

  /**
   * Ends a running checkout because the customer or staff cancelled the order, in the caller's transaction: it fails
   * and compensates as any failure does, and cancels the order. A checkout that has already ended is left as it is.
   */
  cancel(orderId: string, by: 'customer' | 'staff', meta: CommandMeta, tx: Sql): Promise<void> {
    return this.apply(orderId, { type: 'CancelRequested', by }, meta, meta.commandId, tx);
  }

  private async apply(
    orderId: string,
    input: CheckoutInput,
    meta: Omit<CommandMeta, 'commandId'>,
    causeId: string,
    tx: Sql,
  ): Promise<void> {
    const { events } = await this.events.decide(
      checkoutStream(orderId),
      checkoutDecider,
      (state) => decide(input, state, { capture: this.config.paymentCapture }),
      { ...meta, commandId: `${causeId}:ordering.checkout` },
      { tx },
    );
    const orderMeta = { ...meta, commandId: `${causeId}:ordering.order` };
    for (const event of events) {
      if (event.type === 'CheckoutCompleted') await this.confirmOrder.execute({ orderId }, orderMeta, tx);
      else if (event.type === 'CheckoutFailed') await this.cancelOrder.execute({ orderId, reason: event.data.reason }, orderMeta, tx);
      else continue;
      await this.scheduler.cancel(checkoutTimeoutKey(orderId), tx);
    }
  }
}
