import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus } from '../../../platform/messaging/message-bus';
import { InventoryMessages } from '../../inventory/contracts';
import { CatalogReadCache } from '../application/catalog-read-cache';
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
    private readonly cache: CatalogReadCache,
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
    let changed = false;
    await this.inbox.handleOnce(SUBSCRIBER, message.id, async (tx) => {
      changed = await recordAvailability(tx, { ...parsed.data, at: message.occurredAt });
    });
    if (changed) this.cache.invalidate();
  }
}
