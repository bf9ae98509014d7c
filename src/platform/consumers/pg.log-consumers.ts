import type { Clock } from '../../shared-kernel/clock';
import { compareCheckpoints } from '../event-store/event-recording';
import { LOG_START, type EventStore, type LogCheckpoint } from '../event-store/event-store';
import { NOTIFY_CHANNEL } from '../event-store/postgres.event-store.sql';
import type { Database } from '../persistence/database';
import { PgDatabase, type Listener } from '../persistence/pg.database';
import { committedAfter, CONSUMER_LOCK_NAMESPACE, runBatch, type BatchContext, type BatchOutcome, type LogFn } from './consumer-batch';
import { LogConsumers, type ConsumerStatus, type LogConsumer } from './log-consumer';

export type PgLogConsumersOptions = {
  /** fallback poll when no notification arrives (default 250 ms) */
  pollIntervalMs?: number;
  /** events read per transaction (default 100) */
  batchSize?: number;
  log?: LogFn;
  /** how long `drain()` waits for transactions older than the log's end to finish (default 60 s) */
  drainTimeoutMs?: number;
};

type Running = {
  consumer: LogConsumer;
  /** batches of one consumer in this process run one after the other (loop and drain) */
  queue: Promise<unknown>;
  /** a notification arrived since the last batch started */
  dirty: boolean;
  wake?: () => void;
};

const defaultLog: LogFn = (level, msg, fields) => {
  if (level === 'warn' || level === 'error') console.error(JSON.stringify({ level, msg, ...fields, err: String(fields.err ?? '') }));
};

/** How long a consumer may pass over unwanted events before it saves its checkpoint anyway. */
const SKIPPED_CHECKPOINT_SAVE_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Checkpointed consumers of the global log in PostgreSQL (`es.checkpoints`). Each consumer loops on its own: a
 * batch runs in one transaction that holds the consumer's lease (no other instance handles it meanwhile), handles
 * the events and advances the checkpoint, so database effects apply exactly once. A handler that throws is retried
 * with exponential backoff, then its event goes to `es.dead_letters`. LISTEN on 'es_events' wakes the loops at once;
 * a poll covers lost notifications.
 */
export class PgLogConsumers extends LogConsumers {
  private readonly consumers = new Map<string, Running>();
  private readonly context: BatchContext;
  private readonly pollIntervalMs: number;
  private readonly drainTimeoutMs: number;
  private running = false;
  private loops: Promise<void>[] = [];
  private listener?: Listener;

  constructor(
    private readonly db: Database,
    store: EventStore,
    clock: Clock,
    options: PgLogConsumersOptions = {},
  ) {
    super();
    this.context = { db, store, clock, log: options.log ?? defaultLog, batchSize: options.batchSize ?? 100 };
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 60_000;
  }

  register(consumer: LogConsumer): void {
    if (this.consumers.has(consumer.name)) throw new Error(`log consumer ${consumer.name} is already registered`);
    const running: Running = { consumer, queue: Promise.resolve(), dirty: false };
    this.consumers.set(consumer.name, running);
    if (this.running) this.loops.push(this.loop(running));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.db instanceof PgDatabase) {
      try {
        this.listener = await this.db.listen(NOTIFY_CHANNEL, () => this.wakeAll());
      } catch (error) {
        this.context.log('warn', 'cannot LISTEN for new events; polling only', { err: error });
      }
    }
    this.loops = [...this.consumers.values()].map((c) => this.loop(c));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeAll();
    await Promise.all(this.loops);
    this.loops = [];
    await this.listener?.close();
    this.listener = undefined;
  }

  async drain(names?: readonly string[]): Promise<void> {
    const end = await this.logEnd();
    const chosen = [...this.consumers.values()].filter((c) => !names || names.includes(c.consumer.name));
    await Promise.all(chosen.map((c) => this.drainOne(c, end)));
  }

  async status(): Promise<ConsumerStatus[]> {
    const statuses: ConsumerStatus[] = [];
    for (const { consumer } of this.consumers.values()) {
      const { rows } = await this.db.query<{ transaction_id: string; position: string; lag: string; dead_letters: string }>(
        `select coalesce(c.transaction_id, '0')::text as transaction_id, coalesce(c.position, 0)::text as position,
                (select count(*) from es.events e
                 where (e.transaction_id, e.global_position) > (coalesce(c.transaction_id, '0'), coalesce(c.position, 0))
                   and ($2::text[] is null or e.type = any($2::text[]))) as lag,
                (select count(*) from es.dead_letters d where d.consumer = x.consumer) as dead_letters
         from (select $1::text as consumer) x left join es.checkpoints c on c.consumer = x.consumer`,
        [consumer.name, consumer.types ?? null],
      );
      const row = rows[0];
      statuses.push({
        name: consumer.name,
        checkpoint: `${row.transaction_id}/${row.position}`,
        lag: Number(row.lag),
        deadLetters: Number(row.dead_letters),
      });
    }
    return statuses;
  }

  private async loop(running: Running): Promise<void> {
    let errors = 0;
    let behind = 0;
    /** where the last batch left the log fully read: until something follows it, a batch would find nothing */
    let caughtUp: LogCheckpoint | undefined;
    let savedAt = Date.now();
    /** passed over unwanted events whose checkpoint is not saved yet (a quiet log saves it after a while) */
    let skipped = false;
    const { types } = running.consumer;
    // a typed read returns only events of those types, so each one it returns is wanted
    const wants = running.consumer.wants?.bind(running.consumer) ?? (types ? () => true : undefined);
    while (this.running) {
      running.dirty = false;
      let wait = this.pollIntervalMs;
      try {
        const saveDue = skipped && Date.now() - savedAt >= SKIPPED_CHECKPOINT_SAVE_MS;
        if (caughtUp && wants && !saveDue) {
          // look before leasing: most events concern few consumers, and a batch costs a transaction
          const peek = await this.context.store.readAll(caughtUp, this.context.batchSize, { types });
          if (!peek.events.some(wants)) {
            if (compareCheckpoints(peek.checkpoint, caughtUp) !== 0) {
              caughtUp = peek.checkpoint;
              skipped = true;
              behind = 0;
              continue;
            }
            // nothing readable: nothing committed (wait for a notification), or events behind an open transaction
            const committed = await committedAfter(this.db, caughtUp);
            behind = committed ? behind + 1 : 0;
            await this.idle(running, committed ? Math.min(2 ** behind, this.pollIntervalMs) : wait);
            continue;
          }
        } else if (caughtUp && !saveDue && !(await committedAfter(this.db, caughtUp))) {
          await this.idle(running, wait);
          continue;
        }
        const outcome = await this.exclusive(running);
        savedAt = Date.now();
        skipped = false;
        errors = 0;
        caughtUp = outcome.kind === 'handled' && !outcome.more && !outcome.behind ? outcome.checkpoint : undefined;
        if (outcome.kind === 'handled' && outcome.more) continue;
        // committed events wait behind an older open transaction, which may send no notification: look again soon
        behind = outcome.kind === 'handled' && outcome.behind ? behind + 1 : 0;
        if (behind > 0) wait = Math.min(2 ** behind, this.pollIntervalMs);
      } catch (error) {
        errors += 1;
        wait = Math.min(this.pollIntervalMs * 2 ** errors, 30_000);
        this.context.log('error', 'log consumer batch failed', { consumer: running.consumer.name, err: error });
      }
      if (this.running) await this.idle(running, wait);
    }
  }

  /** Runs one batch, after any batch of the same consumer this process already started. */
  private exclusive(running: Running): Promise<BatchOutcome> {
    const batch = running.queue.then(() => runBatch(this.context, running.consumer));
    running.queue = batch.catch(() => undefined);
    return batch;
  }

  /** Waits for a notification, `stop()`, or the poll interval. */
  private idle(running: Running, ms: number): Promise<void> {
    if (running.dirty) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        running.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      running.wake = done;
    });
  }

  private wakeAll(): void {
    for (const running of this.consumers.values()) {
      running.dirty = true;
      running.wake?.();
    }
  }

  /** The newest committed event now; transactions still running may add older positions, which drain also waits for. */
  projections(): string[] {
    return [...this.consumers.values()].filter(({ consumer }) => consumer.reset).map(({ consumer }) => consumer.name);
  }

  async rewind(name: string): Promise<void> {
    const consumer = this.consumers.get(name)?.consumer;
    if (!consumer?.reset) throw new Error(`${name} is not a projection that can be rebuilt`);
    await this.db.transaction(async (tx) => {
      // waits for a batch in flight elsewhere, then keeps every instance off the consumer until the reset commits
      await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [CONSUMER_LOCK_NAMESPACE, name]);
      await consumer.reset!(tx);
      await tx.query('delete from es.consumer_failures where consumer = $1', [name]);
      await tx.query('delete from es.checkpoints where consumer = $1', [name]);
    });
  }

  private async logEnd(): Promise<LogCheckpoint> {
    const { rows } = await this.db.query<{ transaction_id: string; position: string }>(
      'select e.transaction_id::text as transaction_id, e.global_position::text as position from es.events e order by e.transaction_id desc, e.global_position desc limit 1',
    );
    return rows[0] ? { transactionId: rows[0].transaction_id, position: rows[0].position } : LOG_START;
  }

  /** Batches until the checkpoint reaches `end`, or the next event waits for a retry (its backoff is not awaited). */
  private async drainOne(running: Running, end: LogCheckpoint): Promise<void> {
    const deadline = Date.now() + this.drainTimeoutMs;
    for (let pause = 1; ;) {
      const outcome = await this.exclusive(running);
      if (outcome.kind === 'waiting') return;
      if (outcome.kind === 'handled' && outcome.more) continue;
      if (outcome.kind === 'handled' && compareCheckpoints(outcome.checkpoint, end) >= 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `log consumer ${running.consumer.name} did not reach the end of the log within ${this.drainTimeoutMs} ms: an older transaction is still open, or another instance holds the consumer`,
        );
      }
      // another instance holds the consumer, or an older transaction has not committed yet
      await sleep(pause);
      pause = Math.min(pause * 2, 50);
    }
  }
}
