import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { type IntegrationMessage, MessageBus, READ_MODEL_ONLY } from '../../../platform/messaging/message-bus';
import { Database } from '../../../platform/persistence/database';
import { InventoryMessages } from '../../inventory/contracts';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { type RecordAvailability, recordAvailabilities } from '../application/record-availability';

const SUBSCRIBER = 'catalog.availability';

/** The fields of `inventory.stock-level-changed.v1` the catalog reads (others are ignored). */
const StockLevelChanged = z.object({ sku: z.string().min(1).max(64), available: z.number().int(), version: z.number().int().positive() });

/** Keeps the availability shown with each product in step with inventory (a copy per SKU, newest version wins). */
@Injectable()
export class StockLevelsSubscriber {
  private readonly logger = new Logger(StockLevelsSubscriber.name);

  constructor(
    private readonly bus: MessageBus,
    private readonly db: Database,
    private readonly cache: CatalogReadCache,
  ) {}

  subscribe(): Promise<void> {
    return this.bus.subscribeBatch(SUBSCRIBER, [InventoryMessages.stockLevelChanged], (messages) => this.handle(messages));
  }

  /**
   * A batch in one transaction: each SKU's newest level, one refresh of the products they belong to. No inbox: a copy
   * carries its version and an older or repeated one changes nothing (`recordAvailabilities`), so applying a message
   * twice is applying it once, and there is no row to write per message.
   */
  async handle(messages: IntegrationMessage[]): Promise<void> {
    const levels: RecordAvailability[] = [];
    for (const message of messages) {
      const parsed = StockLevelChanged.safeParse(message.data);
      if (parsed.success) levels.push({ ...parsed.data, at: message.occurredAt });
      else this.logger.warn(`ignoring malformed ${message.type} ${message.id}`);
    }
    if (levels.length === 0) return;
    const changed = await this.db.transaction((tx) => recordAvailabilities(tx, levels), READ_MODEL_ONLY);
    if (changed > 0) this.cache.invalidate();
  }
}
