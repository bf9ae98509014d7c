import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { InventoryMessages } from '../../inventory/contracts';
import { recordAvailability } from '../application/record-availability';

const SUBSCRIBER = 'catalog.availability';

/** The fields of `inventory.stock-level-changed.v1` the catalog reads (others are ignored). */
const StockLevelChanged = z.object({ sku: z.string().min(1).max(64), available: z.number().int(), version: z.number().int().positive() });

/** Keeps the availability shown with each product in step with inventory, once per message. */
@Injectable()
export class StockLevelsSubscriber {
  private readonly logger = new Logger(StockLevelsSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly inbox: Inbox,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribe(SUBSCRIBER, [InventoryMessages.stockLevelChanged], (message) => this.handle(message));
  }

  async handle(message: IntegrationMessage): Promise<void> {
    const parsed = StockLevelChanged.safeParse(message.data);
    if (!parsed.success) {
      this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
      return;
    }
    await this.inbox.handleOnce(SUBSCRIBER, message.id, (tx) => recordAvailability(tx, { ...parsed.data, at: message.occurredAt }));
  }
}
