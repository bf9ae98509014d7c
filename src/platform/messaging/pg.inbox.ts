import { type Database, markAppliedOnce, type Sql, type TransactionOptions } from '../persistence/database';
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

  handleOnce(subscriber: string, messageId: string, work: (tx: Sql) => Promise<void>, options?: TransactionOptions): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query('insert into messaging.inbox (subscriber, message_id) values ($1, $2) on conflict do nothing', [
        subscriber,
        messageId,
      ]);
      if (rowCount === 0) return false;
      markAppliedOnce(tx);
      await work(tx);
      return true;
    }, options);
  }

  handleEachOnce(
    subscriber: string,
    messageIds: readonly string[],
    work: (tx: Sql, fresh: ReadonlySet<string>) => Promise<void>,
    options?: TransactionOptions,
  ): Promise<void> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ message_id: string }>(
        `insert into messaging.inbox (subscriber, message_id) select $1, id from unnest($2::text[]) as id
         on conflict do nothing returning message_id`,
        [subscriber, messageIds],
      );
      if (rows.length === 0) return;
      markAppliedOnce(tx);
      await work(tx, new Set(rows.map((row) => row.message_id)));
    }, options);
  }
}
