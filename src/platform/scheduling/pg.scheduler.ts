import type { Clock } from '../../shared-kernel/clock';
import type { AnyEvent, EventStore } from '../event-store/event-store';
import type { Database, Sql } from '../persistence/database';
import { Scheduler, type ScheduledMessage } from './scheduler';

export type PgSchedulerOptions = {
  /** messages delivered per transaction (default 100) */
  batchSize?: number;
  /** where the poller reports a failed delivery round (default: console.error) */
  onError?: (error: unknown) => void;
};

type DueRow = { key: string; stream: string; event: AnyEvent; meta: ScheduledMessage['meta'] };

/**
 * Scheduled messages in PostgreSQL (`es.scheduled_messages`). When due by the injected clock, a message's event is
 * appended to its stream with command id `scheduled:<key>`, in the transaction that marks it delivered: delivered
 * once, even by several pollers at the same time (rows are taken with SKIP LOCKED).
 */
export class PgScheduler extends Scheduler {
  private readonly batchSize: number;
  private timer?: NodeJS.Timeout;
  private round?: Promise<unknown>;

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly options: PgSchedulerOptions = {},
  ) {
    super();
    this.batchSize = options.batchSize ?? 100;
  }

  async schedule(message: ScheduledMessage, tx?: Sql): Promise<void> {
    await (tx ?? this.db).query(
      `insert into es.scheduled_messages (key, stream, event, due_at, meta) values ($1, $2, $3, $4, $5)
       on conflict (key) do nothing`,
      [message.key, message.stream, JSON.stringify(message.event), message.dueAt, JSON.stringify(message.meta)],
    );
  }

  async cancel(key: string, tx?: Sql): Promise<void> {
    await (tx ?? this.db).query('delete from es.scheduled_messages where key = $1 and delivered_at is null', [key]);
  }

  async deliverDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const now = this.clock.now();
      const count = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<DueRow>(
          `select key, stream, event, meta from es.scheduled_messages
           where delivered_at is null and due_at <= $1
           order by due_at, key
           limit $2
           for update skip locked`,
          [now, this.batchSize],
        );
        for (const row of rows) {
          await this.store.append(row.stream, [row.event], {
            expectedVersion: 'any',
            meta: { ...row.meta, commandId: `scheduled:${row.key}`, now },
            tx,
          });
        }
        if (rows.length > 0) {
          await tx.query('update es.scheduled_messages set delivered_at = $2 where key = any($1::text[])', [rows.map((r) => r.key), now]);
        }
        return rows.length;
      });
      delivered += count;
      if (count < this.batchSize) return delivered;
    }
  }

  /** Polls `deliverDue` every `intervalMs` until `stop()`; one round at a time. */
  start(intervalMs = 500): void {
    if (this.timer) return;
    const tick = () => {
      this.round = this.deliverDue()
        .catch((error: unknown) => (this.options.onError ?? console.error)(error))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  /** Stops the poller and waits for a round in progress. */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.round;
  }
}
