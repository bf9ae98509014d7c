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
 * How long the poller trusts what it knows of the next due message before it looks again: messages this process
 * schedules are known at once; those another process schedules sooner are delivered by that process's poller, or
 * by this one within this time.
 */
const LOOK_AGAIN_MS = 5_000;

/**
 * Scheduled messages in PostgreSQL (`es.scheduled_messages`). When due by the injected clock, a message's event is
 * appended to its stream with command id `scheduled:<key>`, in the transaction that marks it delivered: delivered
 * once, even by several pollers at the same time (rows are taken with SKIP LOCKED).
 */
export class PgScheduler extends Scheduler {
  private readonly batchSize: number;
  private timer?: NodeJS.Timeout;
  private round?: Promise<unknown>;
  /** the earliest undelivered message as last seen (null: none), and when it was looked up */
  private nextDue?: { at: Date | null; lookedAt: number };
  /** the earliest due time this process scheduled since that look */
  private scheduledSince: Date | null = null;

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly options: PgSchedulerOptions = {},
  ) {
    super();
    this.batchSize = options.batchSize ?? 100;
  }

  async schedule(messages: ScheduledMessage | readonly ScheduledMessage[], tx?: Sql): Promise<void> {
    const all = Array.isArray(messages) ? (messages as readonly ScheduledMessage[]) : [messages as ScheduledMessage];
    if (all.length === 0) return;
    // known before the commit: should it roll back, the poller looks once for nothing
    for (const { dueAt } of all) if (this.scheduledSince === null || dueAt < this.scheduledSince) this.scheduledSince = dueAt;
    await (tx ?? this.db).query(
      `insert into es.scheduled_messages (key, stream, event, due_at, meta)
       select m.key, m.stream, m.event, m."dueAt", m.meta
         from jsonb_to_recordset($1::jsonb) as m(key text, stream text, event jsonb, "dueAt" timestamptz, meta jsonb)
       on conflict (key) do nothing`,
      [JSON.stringify(all)],
    );
  }

  async cancel(keys: string | readonly string[], tx?: Sql): Promise<void> {
    const all = typeof keys === 'string' ? [keys] : keys;
    if (all.length === 0) return;
    await (tx ?? this.db).query('delete from es.scheduled_messages where key = any($1::text[]) and delivered_at is null', [all]);
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

  /**
   * Polls `deliverDue` every `intervalMs` until `stop()`, one round at a time, but only when a message may be due: in
   * between it looks up the next due time at most every few seconds, so an idle store is not queried every tick.
   */
  start(intervalMs = 500): void {
    if (this.timer) return;
    const tick = () => {
      this.round = this.deliverWhenDue()
        .catch((error: unknown) => (this.options.onError ?? console.error)(error))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  private async deliverWhenDue(): Promise<void> {
    if (!this.nextDue || Date.now() - this.nextDue.lookedAt >= LOOK_AGAIN_MS) {
      const lookedAt = Date.now();
      this.scheduledSince = null; // what is scheduled from here on, the look may miss
      const { rows } = await this.db.query<{ at: Date | null }>(
        'select min(due_at) as at from es.scheduled_messages where delivered_at is null',
      );
      this.nextDue = { at: rows[0].at, lookedAt };
    }
    const due = [this.nextDue.at, this.scheduledSince].filter((at): at is Date => at !== null);
    if (!due.some((at) => at <= this.clock.now())) return;
    await this.deliverDue();
    this.nextDue = undefined;
  }

  /** Whether the poller runs: between `start()` and `stop()` (readiness). */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Stops the poller and waits for a round in progress. */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.round;
  }
}
