import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { type Delivery, type InboxEffect, on, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
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

const parcelOf = ({ shipmentId, trackingNumber }: z.infer<typeof Parcel>) => ({ shipmentId, trackingNumber });

/**
 * What shipping reports about an order's parcel, applied to the order once each (inbox row and effect in one
 * transaction): dispatched (the order is shipped, if the ship request did not get to say so), delivered, intercepted or
 * returned to sender, and delivered after an interception. A report about a parcel the order still waits to hear is
 * shipped ships it first (reconciled, not dropped). A report the order cannot take (delivered by staff's word
 * meanwhile, cancelled before it ever shipped…) is logged and recorded as handled, not retried; so is a malformed
 * one (see `Subscription`).
 */
@Injectable()
export class ShipmentFactsSubscriber {
  private readonly logger = new Logger(ShipmentFactsSubscriber.name);
  private readonly subscription: Subscription<InboxEffect>;

  constructor(
    bus: MessageBus,
    inbox: Inbox,
    clock: Clock,
    dispatches: RecordDispatchHandler,
    deliveries: DeliverOrderHandler,
    parcelReturns: RecordParcelReturnHandler,
    interceptionFailures: RecordInterceptionFailureHandler,
    metrics: Metrics,
  ) {
    this.subscription = new Subscription(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [ShippingMessages.shipmentDispatched]: on(
          Dispatched,
          this.unlessRefused((fact, meta, tx) => dispatches.execute({ ...fact, dispatchedAt: new Date(fact.dispatchedAt) }, meta, tx)),
        ),
        [ShippingMessages.shipmentDelivered]: on(
          Delivered,
          this.unlessRefused((fact, meta, tx) =>
            deliveries.execute(
              { orderId: fact.orderId, shipment: parcelOf(fact), ...(fact.deliveredAt ? { deliveredAt: new Date(fact.deliveredAt) } : {}) },
              meta,
              tx,
            ),
          ),
        ),
        [ShippingMessages.shipmentReturned]: on(
          Returned,
          this.unlessRefused((fact, meta, tx) =>
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
        ),
        [ShippingMessages.shipmentInterceptionFailed]: on(
          InterceptionFailed,
          this.unlessRefused((fact, meta, tx) =>
            interceptionFailures.execute(
              { orderId: fact.orderId, shipment: parcelOf(fact), deliveredAt: new Date(fact.deliveredAt) },
              meta,
              tx,
            ),
          ),
        ),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribe((message) => this.handle(message));
  }

  private handle(message: IntegrationMessage): Promise<void> {
    return this.subscription.handleOne(message);
  }

  /** The effect of a fact, where the order's refusal (a DomainError) is logged and the fact recorded as handled. */
  private unlessRefused<F extends { orderId: string }>(apply: (fact: F, meta: CommandMeta, tx: Sql) => Promise<void>) {
    return (fact: F, { message, meta }: Delivery): InboxEffect =>
      async (tx) => {
        try {
          await apply(fact, meta, tx);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          this.logger.warn(`order ${fact.orderId} did not take ${message.type} ${message.id}: ${error.code}`);
        }
      };
  }
}
