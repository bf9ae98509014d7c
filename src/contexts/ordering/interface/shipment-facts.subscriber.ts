import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { DomainError } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import { PARCEL_RETURN_REASONS, ShippingMessages } from '../../shipping/contracts';
import { DeliverOrderHandler } from '../application/deliver-order';
import { RecordDispatchHandler } from '../application/record-dispatch';
import { RecordInterceptionFailureHandler } from '../application/record-interception-failure';
import { RecordParcelReturnHandler } from '../application/record-parcel-return';

/** The fields of shipping's messages the order reads (others are ignored): every one names the order and its parcel. */
const Parcel = z.object({
  orderId: z.string().refine(isUuid),
  shipmentId: z.string().min(1).max(100),
  trackingNumber: z.string().min(1).max(100),
});
const Timestamp = z.iso.datetime({ offset: true });
const Dispatched = Parcel.extend({ carrier: z.string().min(1).max(50), dispatchedAt: Timestamp });
const Delivered = Parcel.extend({ deliveredAt: Timestamp.optional() });
const Returned = Parcel.extend({ reason: z.enum(PARCEL_RETURN_REASONS), occurredAt: Timestamp.optional() });
const InterceptionFailed = Parcel.extend({ deliveredAt: Timestamp });

/**
 * One subscriber (one inbox, one log consumer with the in-process bus) for every shipping fact: each subscriber is a
 * consumer that wakes up and checkpoints on the log, so a subscriber per message type would cost every checkout.
 * The name is the one the deliveries always had, so its checkpoint and inbox carry on.
 */
const SUBSCRIBER = 'ordering.deliveries';

/** One kind of shipping message the order applies, and the decision a valid one runs. */
type FactHandling = {
  type: string;
  effectOf(data: unknown): ((meta: CommandMeta, tx: Sql) => Promise<void>) | null;
};

const handling = <T>(type: string, schema: z.ZodType<T>, apply: (fact: T, meta: CommandMeta, tx: Sql) => Promise<void>): FactHandling => ({
  type,
  effectOf: (data) => {
    const parsed = schema.safeParse(data);
    return parsed.success ? (meta, tx) => apply(parsed.data, meta, tx) : null;
  },
});

/**
 * What shipping reports about an order's parcel, applied to the order once each (inbox row and effect in one
 * transaction): dispatched (the order is shipped, if the ship request did not get to say so), delivered, intercepted or
 * returned to sender, and delivered after an interception. A report about a parcel the order still waits to hear is
 * shipped ships it first (reconciled, not dropped). A report the order cannot take (delivered by staff's word
 * meanwhile, cancelled before it ever shipped…) is logged and recorded as handled, not retried.
 */
@Injectable()
export class ShipmentFactsSubscriber {
  private readonly logger = new Logger(ShipmentFactsSubscriber.name);
  private readonly facts: FactHandling[];

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    dispatches: RecordDispatchHandler,
    deliveries: DeliverOrderHandler,
    parcelReturns: RecordParcelReturnHandler,
    interceptionFailures: RecordInterceptionFailureHandler,
  ) {
    const parcelOf = ({ shipmentId, trackingNumber }: z.infer<typeof Parcel>) => ({ shipmentId, trackingNumber });
    this.facts = [
      handling(ShippingMessages.shipmentDispatched, Dispatched, (fact, meta, tx) =>
        dispatches.execute({ ...fact, dispatchedAt: new Date(fact.dispatchedAt) }, meta, tx),
      ),
      handling(ShippingMessages.shipmentDelivered, Delivered, (fact, meta, tx) =>
        deliveries.execute(
          { orderId: fact.orderId, shipment: parcelOf(fact), ...(fact.deliveredAt ? { deliveredAt: new Date(fact.deliveredAt) } : {}) },
          meta,
          tx,
        ),
      ),
      handling(ShippingMessages.shipmentReturned, Returned, (fact, meta, tx) =>
        parcelReturns.execute(
          {
            orderId: fact.orderId,
            reason: fact.reason,
            shipment: parcelOf(fact),
            ...(fact.occurredAt ? { reportedAt: new Date(fact.occurredAt) } : {}),
          },
          meta,
          tx,
        ),
      ),
      handling(ShippingMessages.shipmentInterceptionFailed, InterceptionFailed, (fact, meta, tx) =>
        interceptionFailures.execute(
          { orderId: fact.orderId, shipment: parcelOf(fact), deliveredAt: new Date(fact.deliveredAt) },
          meta,
          tx,
        ),
      ),
    ];
  }

  subscribe(): Promise<void> {
    return this.bus.subscribe(
      SUBSCRIBER,
      this.facts.map((fact) => fact.type),
      (message) => this.handle(message),
    );
  }

  private async handle(message: IntegrationMessage): Promise<void> {
    const effect = this.facts.find((fact) => fact.type === message.type)?.effectOf(message.data);
    if (!effect) {
      this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
      return;
    }
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now());
    await retryOnConflict(() =>
      this.inbox.handleOnce(SUBSCRIBER, message.id, async (tx) => {
        try {
          await effect(meta, tx);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          const { orderId } = message.data as { orderId: string };
          this.logger.warn(`order ${orderId} did not take ${message.type} ${message.id}: ${error.code}`);
        }
      }),
    );
  }
}
