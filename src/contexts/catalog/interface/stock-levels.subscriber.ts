import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus, READ_MODEL_ONLY } from '../../../platform/messaging/message-bus';
import { InventoryMessages } from '../../inventory/contracts';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { type RecordAvailability, recordAvailabilities } from '../application/record-availability';

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
    return this.bus.subscribeBatch(SUBSCRIBER, [InventoryMessages.stockLevelChanged], (messages) => this.handle(messages));
  }

  /** A batch in one transaction: each SKU's newest level, one refresh of the products they belong to. */
  async handle(messages: IntegrationMessage[]): Promise<void> {
    const levels = new Map<string, RecordAvailability>();
    for (const message of messages) {
      const parsed = StockLevelChanged.safeParse(message.data);
      if (parsed.success) levels.set(message.id, { ...parsed.data, at: message.occurredAt });
      else this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
    }
    if (levels.size === 0) return;
    let changed = 0;
    await this.inbox.handleEachOnce(
      SUBSCRIBER,
      [...levels.keys()],
      async (tx, fresh) => {
        changed = await recordAvailabilities(
          tx,
          [...levels].filter(([id]) => fresh.has(id)).map(([, level]) => level),
        );
      },
      READ_MODEL_ONLY,
    );
    if (changed > 0) this.cache.invalidate();
  }
}
