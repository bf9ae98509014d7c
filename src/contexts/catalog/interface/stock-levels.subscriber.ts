import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { Inbox, type IntegrationMessage, MessageBus, READ_MODEL_ONLY } from '../../../platform/messaging/message-bus';
import { on, Subscription } from '../../../platform/messaging/subscriber';
import { Metrics } from '../../../platform/observability/metrics';
import { Database } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { InventoryMessages } from '../../inventory/contracts';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { type RecordAvailability, recordAvailabilities } from '../application/record-availability';

const SUBSCRIBER = 'catalog.availability';

/** The fields of `inventory.stock-level-changed.v1` the catalog reads (others are ignored). */
const StockLevelChanged = z.object({ sku: z.string().min(1).max(64), available: z.number().int(), version: z.number().int().positive() });

/** Keeps the availability shown with each product in step with inventory (a copy per SKU, newest version wins). */
@Injectable()
export class StockLevelsSubscriber {
  private readonly subscription: Subscription<RecordAvailability>;

  constructor(
    bus: MessageBus,
    private readonly db: Database,
    private readonly cache: CatalogReadCache,
    inbox: Inbox,
    clock: Clock,
    metrics: Metrics,
  ) {
    this.subscription = new Subscription(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [InventoryMessages.stockLevelChanged]: on(StockLevelChanged, (level, { message }) => ({ ...level, at: message.occurredAt })),
      },
    );
  }

  subscribe(): Promise<void> {
    return this.subscription.subscribeBatch((messages) => this.handle(messages));
  }

  /**
   * A batch in one transaction: each SKU's newest level, one refresh of the products they belong to. No inbox row for
   * a valid copy: it carries its version and an older or repeated one changes nothing (`recordAvailabilities`), so
   * applying a message twice is applying it once, and there is no row to write per message. Only a malformed one gets
   * its row (see `Subscription`).
   */
  async handle(messages: IntegrationMessage[]): Promise<void> {
    const levels = await this.subscription.accept(messages);
    if (levels.length === 0) return;
    const changed = await this.db.transaction(
      (tx) =>
        recordAvailabilities(
          tx,
          levels.map(({ effect }) => effect),
        ),
      READ_MODEL_ONLY,
    );
    if (changed > 0) this.cache.invalidate();
  }
}
