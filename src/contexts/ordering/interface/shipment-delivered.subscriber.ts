import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { retryOnConflict } from '../../../platform/event-store/event-store';
import { Inbox, type IntegrationMessage, MessageBus, metaForMessage } from '../../../platform/messaging/message-bus';
import { Clock } from '../../../shared-kernel/clock';
import { DomainError } from '../../../shared-kernel/errors';
import { isUuid } from '../../../shared-kernel/ids';
import { ShippingMessages } from '../../shipping/contracts';
import { DeliverOrderHandler } from '../application/deliver-order';

const SUBSCRIBER = 'ordering.deliveries';

/** The fields of `shipping.shipment-delivered.v1` the order reads; others are ignored. */
const ShipmentDelivered = z.object({ orderId: z.string().refine(isUuid), deliveredAt: z.iso.datetime({ offset: true }).optional() });

/**
 * The carrier's tracking says the parcel arrived: the order is delivered, once. A report the order cannot take (it
 * was cancelled meanwhile, its parcel was reported coming back, or staff already marked it delivered) is recorded as
 * handled, not retried.
 */
@Injectable()
export class ShipmentDeliveredSubscriber {
  private readonly logger = new Logger(ShipmentDeliveredSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
    private readonly clock: Clock,
    private readonly deliver: DeliverOrderHandler,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribe(SUBSCRIBER, [ShippingMessages.shipmentDelivered], (m) => this.handle(m));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const parsed = ShipmentDelivered.safeParse(message.data);
    if (!parsed.success) {
      this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
      return;
    }
    const { orderId, deliveredAt } = parsed.data;
    const meta = metaForMessage(message, SUBSCRIBER, this.clock.now());
    await retryOnConflict(() =>
      this.inbox.handleOnce(SUBSCRIBER, message.id, async (tx) => {
        try {
          await this.deliver.execute({ orderId, ...(deliveredAt ? { deliveredAt: new Date(deliveredAt) } : {}) }, meta, tx);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          this.logger.warn(`order ${orderId} not delivered on ${message.type} ${message.id}: ${error.code}`);
        }
      }),
    );
  }
}
