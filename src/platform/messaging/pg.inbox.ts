import type { Database, Sql } from '../persistence/database';
import { Inbox } from './message-bus';

/**
 * The inbox in PostgreSQL (`messaging.inbox`). The row and the effect commit in one transaction: a duplicate finds
 * the row and runs nothing; a concurrent duplicate waits on the primary key until the first commits (then sees the
 * conflict) or rolls back (then applies the effect itself); a failing effect leaves no row, so redelivery applies it.
 */
export class PgInbox extends Inbox {
  constructor(private readonly db: Database) {
    super();
  }

  handleOnce(subscriber: string, messageId: string, work: (tx: Sql) => Promise<void>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query('insert into messaging.inbox (subscriber, message_id) values ($1, $2) on conflict do nothing', [
        subscriber,
        messageId,
      ]);
      if (rowCount === 0) return false;
      await work(tx);
      return true;
    });
  }
}
