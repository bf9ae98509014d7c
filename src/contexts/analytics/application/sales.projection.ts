import { Injectable } from '@nestjs/common';
import type { LogConsumer } from '../../../platform/consumers/log-consumer';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { IntegrationEvents, type IntegrationMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';
import { applySalesMessages } from './sales-batches';
import { applySalesMessage } from './sales-facts';

const HANDLED: ReadonlySet<string> = new Set([...Object.values(OrderingMessages), CartMessages.cartStarted]);

/**
 * The sales read models (`analytics.*`), built from integration events only: the log is read through the same
 * translators the outbox publishes with, so analytics sees exactly the messages other subscribers see, with the same
 * ids. Being a checkpointed consumer, it applies each message once and can be rebuilt by replaying the log.
 */
@Injectable()
export class SalesProjection implements LogConsumer {
  readonly name = 'analytics.sales';
  /** a read model: its batches hold no reader of the log back */
  readonly appendsNoEvents = true;

  constructor(private readonly integrationEvents: IntegrationEvents) {}

  wants(event: RecordedEvent): boolean {
    return this.messagesOf(event).length > 0;
  }

  async handle(event: RecordedEvent, tx: Sql): Promise<void> {
    for (const message of this.messagesOf(event)) await applySalesMessage(tx, message);
  }

  /** A batch of the log in a few statements: the facts of many checkouts written set-based (`applySalesMessages`). */
  async handleBatch(events: RecordedEvent[], tx: Sql): Promise<void> {
    await applySalesMessages(
      tx,
      events.flatMap((event) => this.messagesOf(event)),
    );
  }

  async reset(tx: Sql): Promise<void> {
    await tx.query('truncate analytics.orders, analytics.order_lines, analytics.daily_sales, analytics.daily_carts');
  }

  private messagesOf(event: RecordedEvent): IntegrationMessage[] {
    return this.integrationEvents.translate(event).filter((message) => HANDLED.has(message.type));
  }
}
