import type { Clock } from '../../shared-kernel/clock';
import { compareCheckpoints } from '../event-store/event-recording';
import { type EventStore, type LogCheckpoint, type RecordedEvent } from '../event-store/event-store';
import { NOTIFY_CHANNEL } from '../event-store/postgres.event-store.sql';
import type { Database } from '../persistence/database';
import { PgDatabase, type Listener } from '../persistence/pg.database';
import { CONSUMER_LOCK_NAMESPACE, runBatch, saveSkipped, type BatchContext, type BatchOutcome, type LogFn } from './consumer-batch';
import { offerRange, type Running, skippedSaveDueIn } from './consumer-position';
import { LogTail, type TailRange } from './log-tail';
import { LogConsumers, type ConsumerStatus, type LogConsumer } from './log-consumer';
import { readConsumerStatus, readLogEnd } from './consumer-status';
import { tracedLogConsumer } from '../observability/tracing-consumers';

export type PgLogConsumersOptions = {
  /** fallback poll when no notification arrives (default 1 s) */
  pollIntervalMs?: number;
  /** events read per transaction (default 500: under load most of them concern a consumer not at all, and each batch costs a transaction) */
  batchSize?: number;
  log?: LogFn;
  /** how long `drain()` waits for transactions older than the log's end to finish (default 60 s) */
  drainTimeoutMs?: number;
  /** how long a consumer passes over unwanted events before it saves its position (default 5 s) */
  skippedCheckpointSaveMs?: number;
  /** told of each failed delivery that will be retried (metrics) */
  onRetry?: (consumer: string) => void;
  /** told of each event moved to `es.dead_letters` (metrics) */
  onDeadLetter?: (consumer: string) => void;
  /** told of each consumer registered (metrics start its counts at zero) */
  onRegister?: (consumer: string) => void;
};

const defaultLog: LogFn = (level, msg, fields) => {
  if (level === 'warn' || level === 'error') console.error(JSON.stringify({ level, msg, ...fields, err: String(fields.err ?? '') }));
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Checkpointed consumers of the global log in PostgreSQL (`es.checkpoints`). Each consumer loops on its own: a
 * batch runs in one transaction that holds the consumer's lease (no other instance handles it meanwhile), handles
 * the events and advances the checkpoint, so database effects apply exactly once. A handler that throws is retried
 * with exponential backoff, then its event goes to `es.dead_letters`; an outage (a broker or the database down) is
 * retried soon and often, and never dead-lettered.
 *
 * One `LogTail` per process reads what is newly committed, woken by LISTEN on 'es_events' (a poll covers lost
 * notifications), and a consumer starts a batch only when the tail read events it wants: a quiet log costs one
 * look per poll for the whole process, and an event costs a transaction only to the consumers it concerns.
 */
export class PgLogConsumers extends LogConsumers {
  private readonly consumers = new Map<string, Running>();
  private readonly context: BatchContext;
  private readonly pollIntervalMs: number;
  private readonly drainTimeoutMs: number;
  private readonly skippedCheckpointSaveMs: number;
  private readonly tail: LogTail;
  private readonly tailWake = { dirty: false, wake: undefined as (() => void) | undefined };
  private running = false;
  private loops: Promise<void>[] = [];
  private listener?: Listener;
  private readonly onRegister?: (consumer: string) => void;

  constructor(
    private readonly db: Database,
    store: EventStore,
    clock: Clock,
    options: PgLogConsumersOptions = {},
  ) {
    super();
    const { onRetry, onDeadLetter } = options;
    this.context = {
      db,
      store,
      clock,
      log: options.log ?? defaultLog,
      batchSize: options.batchSize ?? 500,
      onRetry,
      onDeadLetter,
      outageRetries: new Map(),
    };
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 60_000;
    this.skippedCheckpointSaveMs = options.skippedCheckpointSaveMs ?? 5_000;
    this.tail = new LogTail(db, store, this.context.batchSize);
    this.onRegister = options.onRegister;
  }

  register(given: LogConsumer): void {
    const consumer = tracedLogConsumer(given);
    if (this.consumers.has(consumer.name)) throw new Error(`log consumer ${consumer.name} is already registered`);
    const { types } = consumer;
    const wants = consumer.wants?.bind(consumer) ?? (types ? (event: RecordedEvent) => types.includes(event.type) : () => true);
    const running: Running = { consumer, wants, queue: Promise.resolve(), hasWork: true, deferred: [] };
    this.consumers.set(consumer.name, running);
    this.tail.listen((range) => this.offer(running, range));
    this.onRegister?.(consumer.name);
    if (this.running) this.loops.push(this.loop(running));
  }

  watch(listener: (events: readonly RecordedEvent[]) => void): () => void {
    return this.tail.listen((range) => listener(range.events));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.db instanceof PgDatabase) {
      try {
        this.listener = await this.db.listen(NOTIFY_CHANNEL, () => this.wakeTail());
      } catch (error) {
        this.context.log('warn', 'cannot LISTEN for new events; polling only', { err: error });
      }
    }
    this.loops = [this.tailLoop(), ...[...this.consumers.values()].map((c) => this.loop(c))];
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeTail();
    for (const running of this.consumers.values()) running.wake?.();
    await Promise.all(this.loops);
    this.loops = [];
    await this.listener?.close();
    this.listener = undefined;
  }

  async drain(names?: readonly string[]): Promise<void> {
    const end = await readLogEnd(this.db);
    const chosen = [...this.consumers.values()].filter((c) => !names || names.includes(c.consumer.name));
    await Promise.all(chosen.map((c) => this.drainOne(c, end)));
  }

  async status(): Promise<ConsumerStatus[]> {
    const statuses: ConsumerStatus[] = [];
    for (const { consumer } of this.consumers.values()) statuses.push(await readConsumerStatus(this.db, consumer));
    return statuses;
  }

  registered(): { name: string; types?: readonly string[] }[] {
    return [...this.consumers.values()].map(({ consumer }) => ({
      name: consumer.name,
      ...(consumer.types ? { types: consumer.types } : {}),
    }));
  }

  /** Reads the tail whenever a notification arrives (or the poll interval passes) and hands out what it read. */
  private async tailLoop(): Promise<void> {
    let errors = 0;
    let behind = 0;
    while (this.running) {
      // a poll (no notification) first asks whether anything was committed at all: the common answer when idle
      const notified = this.tailWake.dirty || behind > 0;
      this.tailWake.dirty = false;
      let wait = this.pollIntervalMs;
      try {
        const read = await this.tail.advance(!notified);
        errors = 0;
        if (read.more) continue;
        // committed events wait behind an older open transaction, which may send no notification: look again soon
        behind = read.behind ? behind + 1 : 0;
        if (behind > 0) wait = Math.min(2 ** behind, this.pollIntervalMs);
      } catch (error) {
        errors += 1;
        wait = Math.min(this.pollIntervalMs * 2 ** errors, 30_000);
        this.context.log('error', 'reading the log tail failed', { err: error });
      }
      if (!this.running) return;
      await this.sleep(this.tailWake, wait);
    }
  }

  /** What the tail read, as it concerns one consumer: a batch to run, or a position to move to without one. */
  private offer(running: Running, range: TailRange): void {
    if (offerRange(running, range, this.tail) === 'work') {
      running.hasWork = true;
      running.wake?.();
    }
  }

  private async loop(running: Running): Promise<void> {
    let errors = 0;
    while (this.running) {
      const saveIn = skippedSaveDueIn(running, this.skippedCheckpointSaveMs);
      if (!running.hasWork && running.caughtUp && (saveIn === undefined || saveIn > 0)) {
        await this.sleep(running, saveIn);
        continue;
      }
      if (!running.hasWork && running.caughtUp) {
        // passed over unwanted events a while ago: save where to without reading them again
        const skippedTo = running.caughtUp;
        running.skippedSince = undefined;
        const saved = await this.exclusiveSave(running, skippedTo).catch((error: unknown) => {
          this.context.log('warn', 'saving a log consumer checkpoint failed', { consumer: running.consumer.name, err: error });
          return false;
        });
        // not saved: another instance holds the consumer, or the checkpoint moved; a batch finds out where it stands
        if (!saved) running.hasWork = true;
        continue;
      }
      running.hasWork = false;
      running.caughtUp = undefined;
      let wait: number | undefined;
      try {
        const outcome = await this.exclusive(running);
        errors = 0;
        if (outcome.kind === 'handled') {
          running.skippedSince = undefined;
          if (outcome.more) running.hasWork = true;
          // events behind an open transaction reach the consumer through the tail once they are readable
          else running.caughtUp = outcome.checkpoint;
        } else {
          // another instance holds the consumer, or the next event waits for its retry: look again later
          running.hasWork = true;
          wait =
            outcome.kind === 'waiting' ? Math.max(1, outcome.retryAt.getTime() - this.context.clock.now().getTime()) : this.pollIntervalMs;
          wait = Math.min(wait, this.pollIntervalMs);
        }
      } catch (error) {
        errors += 1;
        running.hasWork = true;
        wait = Math.min(this.pollIntervalMs * 2 ** errors, 30_000);
        this.context.log('error', 'log consumer batch failed', { consumer: running.consumer.name, err: error });
      }
      for (const range of running.deferred.splice(0)) this.offer(running, range);
      if (wait !== undefined && this.running) await this.sleep(running, wait);
    }
  }

  /** Runs one batch, after any batch of the same consumer this process already started. */
  private exclusive(running: Running): Promise<BatchOutcome> {
    const batch = running.queue.then(() => runBatch(this.context, running.consumer));
    running.queue = batch.catch(() => undefined);
    return batch;
  }

  private exclusiveSave(running: Running, skippedTo: LogCheckpoint): Promise<boolean> {
    const save = running.queue.then(() => saveSkipped(this.context, running.consumer, skippedTo));
    running.queue = save.catch(() => undefined);
    return save;
  }

  /** Waits for a wake-up, `stop()`, or `ms` (none: no timer). */
  private sleep(waiter: { wake?: () => void; dirty?: boolean }, ms: number | undefined): Promise<void> {
    if (waiter.dirty) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (timer) clearTimeout(timer);
        waiter.wake = undefined;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      waiter.wake = done;
    });
  }

  private wakeTail(): void {
    this.tailWake.dirty = true;
    this.tailWake.wake?.();
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
