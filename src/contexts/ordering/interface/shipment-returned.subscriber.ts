import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { retryOnConflict } from '../../../platform/event-store/event-store';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
import { Clock } from '../../../shared-kernel/clock';
import { DomainError } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import { ShippingMessages } from '../../shipping/contracts';
import { RecordParcelReturnHandler } from '../application/record-parcel-return';

const SUBSCRIBER = 'ordering.parcel-returns';

/** The fields of `shipping.shipment-returned.v1` the order reads; others are ignored. */
const ShipmentReturned = z.object({
  orderId: z.string().refine(isUuid),
  reason: z.enum(['intercepted', 'returned_to_sender']),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

/**
 * The carrier's tracking says the parcel was intercepted or returned to sender: the order records it, once. A report
 * the order cannot take (it has no parcel out: delivered by staff's word meanwhile) is recorded as handled, not
 * retried.
 */
@Injectable()
export class ShipmentReturnedSubscriber {
  private readonly logger = new Logger(ShipmentReturnedSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly recordReturn: RecordParcelReturnHandler,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribe(SUBSCRIBER, [ShippingMessages.shipmentReturned], (m) => this.handle(m));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const parsed = ShipmentReturned.safeParse(message.data);
    if (!parsed.success) {
      this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
      return;
    }
    const { orderId, reason, occurredAt } = parsed.data;
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now());
    await retryOnConflict(() =>
      this.inbox.handleOnce(SUBSCRIBER, message.id, async (tx) => {
        try {
          await this.recordReturn.execute({ orderId, reason, ...(occurredAt ? { reportedAt: new Date(occurredAt) } : {}) }, meta, tx);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          this.logger.warn(`parcel return of order ${orderId} not recorded on ${message.type} ${message.id}: ${error.code}`);
        }
      }),
    );
  }
}
