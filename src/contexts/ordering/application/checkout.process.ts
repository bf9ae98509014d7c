import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Config } from '../../../platform/config';
import type { LogConsumer } from '../../../platform/consumers/log-consumer';
import { type CommandMeta, EventStore, type RecordedEvent, traceOf } from '../../../platform/event-store/event-store';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
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

/** What each message the checkout listens to means to it (consumers tolerate extra fields). */
const INPUTS: Record<string, (data: unknown) => { orderId: string; input: CheckoutInput }> = {
  [InventoryMessages.stockReserved]: (d) => ({ orderId: OrderRef.parse(d).orderId, input: { type: 'StockReserved' } }),
  [InventoryMessages.stockReservationRejected]: (d) => ({
    orderId: OrderRef.parse(d).orderId,
    input: { type: 'StockReservationRejected' },
  }),
  [PaymentMessages.paymentAuthorized]: (d) => ({ orderId: OrderRef.parse(d).orderId, input: { type: 'PaymentAuthorized' } }),
  [PaymentMessages.paymentDeclined]: (d) => ({ orderId: OrderRef.parse(d).orderId, input: { type: 'PaymentDeclined' } }),
  [PaymentMessages.paymentFailed]: (d) => {
    const { orderId, operation } = Failure.parse(d);
    return { orderId, input: { type: 'PaymentFailed', operation } };
  },
  [PaymentMessages.paymentCaptured]: (d) => {
    const { orderId, amount } = WithAmount.parse(d);
    return { orderId, input: { type: 'PaymentCaptured', amount } };
  },
  [PaymentMessages.paymentVoided]: (d) => ({ orderId: OrderRef.parse(d).orderId, input: { type: 'PaymentVoided' } }),
  [PaymentMessages.paymentRefunded]: (d) => {
    const { orderId, amount } = WithAmount.parse(d);
    return { orderId, input: { type: 'PaymentRefunded', amount } };
  },
};
export const CHECKOUT_INPUT_TYPES: readonly string[] = Object.keys(INPUTS);

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
   * What a message from inventory or payment does to its checkout, in the inbox transaction that records it (see
   * `CheckoutInputsSubscriber`, which applies a batch of them in one); undefined for a message the checkout does not
   * take. A malformed message throws: it is not passed over.
   */
  effectOf(message: IntegrationMessage, now = this.clock.now()): ((tx: Sql) => Promise<void>) | undefined {
    const translate = INPUTS[message.type];
    if (!translate) return undefined;
    const { orderId, input } = translate(message.data);
    const meta = { correlationId: message.correlationId, causationId: message.id, ...traceOf(message), now };
    return (tx) => this.apply(orderId, input, meta, message.id, tx);
  }

  /** Reads the streams the effects of these messages decide on (each checkout's and its order's) in one round trip. */
  preload(messages: readonly IntegrationMessage[], tx: Sql): Promise<void> {
    const orderIds = messages.flatMap((message) => {
      const translate = INPUTS[message.type];
      return translate ? [translate(message.data).orderId] : [];
    });
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
