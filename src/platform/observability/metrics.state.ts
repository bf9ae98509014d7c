import type { OnApplicationShutdown } from '@nestjs/common';
import { Counter, type Gauge } from 'prom-client';
import type { Clock } from '../../shared-kernel/clock';
import type { LogConsumers } from '../consumers/log-consumer';
import { OUTBOX_PUBLISHER, SUBSCRIBER_CONSUMER_PREFIX } from '../messaging/outbox-publisher';
import type { Database } from '../persistence/database';
import type { AppLogger } from './logger';
import type { Metrics } from './metrics';

/** What one consumer has still to read, as the scrape saw it. */
export type ConsumerBacklog = { consumer: string; lag: number; oldestAgeSeconds: number; deadLetters: number };

export type MetricsStateSources = {
  /**
   * Where the state queries run, opened at the first scrape: a connection of their own with a statement timeout
   * (`owned`: closed with the app), so a scrape neither waits for the main pool nor runs unbounded.
   */
  database: { open: () => Database; owned: boolean };
  consumers: LogConsumers;
  clock: Clock;
  logger: AppLogger;
  /** The main pool's connections (absent for a Database that has no pool to report). */
  pool?: () => { total: number; idle: number; waiting: number };
  /** The readiness check behind `GET /health/ready`; absent: `orderly_ready` is left out. */
  ready?: () => Promise<boolean>;
};

/**
 * How far after a consumer's checkpoint the scrape looks: a consumer further behind is counted as this many events
 * (or as those of its types among them), so a scrape stays cheap however large the backlog grows.
 */
export const MAX_COUNTED_LAG = 100_000;

/** The reads whose failures `orderly_metrics_collection_errors_total` counts (its `query` label). */
const STATE_QUERIES = ['consumer_backlog', 'scheduled_messages', 'readiness'] as const;
type StateQuery = (typeof STATE_QUERIES)[number];

/**
 * One statement for every registered consumer: the events after its checkpoint (of the types it reads; a consumer
 * that reads every event and passes over those it does not want saves its checkpoint a few seconds after it passed
 * them, so they count for that long), the age of the oldest of them, and its dead letters. Each consumer costs at
 * most MAX_COUNTED_LAG entries of the log's (transaction_id, global_position) index: a consumer of every event is
 * counted from the index alone (an index-only scan: the log is append-only, so its pages are all-visible once
 * vacuumed) and its oldest event is the first one; a consumer of some types needs the type and time of those entries.
 * Global positions cannot be subtracted instead: they come from a sequence (a rolled-back append leaves a gap) and
 * the log is ordered by transaction first, so positions after a checkpoint are neither dense nor above it.
 */
const CONSUMER_BACKLOG_SQL = `
  select c.name as consumer, l.lag::int as lag,
         coalesce(extract(epoch from now() - l.oldest), 0)::float8 as oldest_age_seconds,
         (select count(*) from es.dead_letters d where d.consumer = c.name)::int as dead_letters
    from jsonb_to_recordset($1::jsonb) as c(name text, types text[])
    left join es.checkpoints cp on cp.consumer = c.name
   cross join lateral (
     select (select count(*) from (select from es.events e
               where (e.transaction_id, e.global_position) > (coalesce(cp.transaction_id, '0'), coalesce(cp.position, 0))
               order by e.transaction_id, e.global_position
               limit ${MAX_COUNTED_LAG}) e) as lag,
            (select e.created_at from es.events e
               where (e.transaction_id, e.global_position) > (coalesce(cp.transaction_id, '0'), coalesce(cp.position, 0))
               order by e.transaction_id, e.global_position
               limit 1) as oldest
      where c.types is null
     union all
     select count(*) filter (where e.type = any(c.types)), min(e.created_at) filter (where e.type = any(c.types))
       from (select e.type, e.created_at from es.events e
              where (e.transaction_id, e.global_position) > (coalesce(cp.transaction_id, '0'), coalesce(cp.position, 0))
              order by e.transaction_id, e.global_position
              limit ${MAX_COUNTED_LAG}) e
     having c.types is not null
   ) l`;

/**
 * Its planned cost (the limits) makes the server compile the statement just in time, which takes longer than running
 * it: off for this one transaction.
 */
const WITHOUT_JIT = 'set local jit = off';

const DUE_MESSAGES_SQL = 'select count(*)::int as due from es.scheduled_messages where delivered_at is null and due_at <= $1';

/**
 * The gauges of the platform's state, computed when Prometheus scrapes (prom-client `collect`), never on a hot path:
 * consumer lag, oldest unprocessed age and dead letters (one query for all consumers), the outbox backlog (from the
 * same read), scheduled messages due and not delivered (one query), and the pool's connections (in memory). A query
 * that fails or times out never fails the scrape: it is logged and counted (`orderly_metrics_collection_errors_total`)
 * and its gauges keep the values last read — a backlog large enough to time the statement out is when they matter,
 * and gauges that vanished would resolve the alerts on them. Readiness that cannot be read is reported not ready.
 */
export class MetricsState implements OnApplicationShutdown {
  /**
   * This scrape's reads, each made once: the consumers' backlog is shared by the lag, age, dead-letter and outbox
   * gauges, and the error counter waits for all of them, so a scrape counts its own failures.
   */
  private reads: { backlog?: Promise<ConsumerBacklog[]>; due?: Promise<number | undefined>; ready?: Promise<boolean> } = {};
  /** The last reads that succeeded (none yet: empty, no series). */
  private lastBacklog: ConsumerBacklog[] = [];
  private lastDue?: number;
  private readonly collectionErrors: Counter<'query'>;
  private db?: Database;
  private closed = false;

  constructor(
    metrics: Metrics,
    private readonly sources: MetricsStateSources,
  ) {
    this.collectionErrors = new Counter({
      name: 'orderly_metrics_collection_errors_total',
      help: 'State queries of a scrape that failed or timed out, by query; their gauges kept the values last read',
      labelNames: ['query'] as const,
      registers: [metrics.registry],
      collect: async () => {
        await Promise.all([this.consumerBacklog(), this.dueMessages(), this.sources.ready && this.isReady(this.sources.ready)]);
      },
    });
    // every query's series from the start, at 0, so that rate() and increase() see its first failure
    for (const query of STATE_QUERIES) this.collectionErrors.inc({ query }, 0);
    metrics.onScrape(() => (this.reads = {}));
    const perConsumer = (pick: (c: ConsumerBacklog) => number) => async (gauge: Gauge<'consumer'>) => {
      gauge.reset();
      for (const backlog of await this.consumerBacklog()) gauge.set({ consumer: backlog.consumer }, pick(backlog));
    };
    metrics.scrapedGauge(
      'orderly_consumer_lag_events',
      "Events in the log after the consumer's checkpoint",
      ['consumer'],
      perConsumer((c) => c.lag),
    );
    metrics.scrapedGauge(
      'orderly_consumer_oldest_unprocessed_age_seconds',
      'Age of the oldest event the consumer has not processed (0 when caught up)',
      ['consumer'],
      perConsumer((c) => c.oldestAgeSeconds),
    );
    metrics.scrapedGauge(
      'orderly_dead_letters',
      'Messages parked as dead letters now, by consumer',
      ['consumer'],
      perConsumer((c) => c.deadLetters),
    );
    metrics.scrapedGauge('orderly_outbox_backlog_events', 'Events waiting to be published to the bus', [], async (gauge) => {
      gauge.reset();
      const publishing = (await this.consumerBacklog()).filter(
        ({ consumer }) => consumer === OUTBOX_PUBLISHER || consumer.startsWith(SUBSCRIBER_CONSUMER_PREFIX),
      );
      if (publishing.length > 0) gauge.set(Math.max(...publishing.map((c) => c.lag)));
    });
    metrics.scrapedGauge(
      'orderly_scheduler_due_messages',
      'Scheduled messages whose time has come and that are not delivered yet',
      [],
      async (gauge) => {
        gauge.reset();
        const due = await this.dueMessages();
        if (due !== undefined) gauge.set(due);
      },
    );
    metrics.scrapedGauge('orderly_db_pool_connections', 'Connections of the database pool, by state', ['state'], (gauge) => {
      gauge.reset();
      const pool = this.sources.pool?.();
      if (!pool) return;
      for (const state of ['total', 'idle', 'waiting'] as const) gauge.set({ state }, pool[state]);
    });
    metrics.scrapedGauge('orderly_ready', '1 when the readiness check passes, else 0', [], async (gauge) => {
      gauge.reset();
      if (this.sources.ready) gauge.set((await this.isReady(this.sources.ready)) ? 1 : 0);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const db = this.db;
    this.db = undefined;
    if (db && this.sources.database.owned) await db.close();
  }

  private database(): Database {
    if (this.closed) throw new Error('the app is shutting down');
    this.db ??= this.sources.database.open();
    return this.db;
  }

  /** The consumers' backlog, read once for the gauges of one scrape (the last one read when this read fails). */
  consumerBacklog(): Promise<ConsumerBacklog[]> {
    this.reads.backlog ??= this.read('consumer_backlog', () => this.readConsumerBacklog()).then(
      (read) => (this.lastBacklog = read ?? this.lastBacklog),
    );
    return this.reads.backlog;
  }

  /** Scheduled messages due and not delivered, read once per scrape (the last count read when this read fails). */
  private dueMessages(): Promise<number | undefined> {
    this.reads.due ??= this.read('scheduled_messages', async () => {
      const { rows } = await this.database().query<{ due: number }>(DUE_MESSAGES_SQL, [this.sources.clock.now()]);
      return rows[0].due;
    }).then((due) => (this.lastDue = due ?? this.lastDue));
    return this.reads.due;
  }

  /** The readiness check, once per scrape; one that cannot be read is not ready. */
  private isReady(ready: () => Promise<boolean>): Promise<boolean> {
    this.reads.ready ??= this.read('readiness', ready).then((answer) => answer === true);
    return this.reads.ready;
  }

  private async readConsumerBacklog(): Promise<ConsumerBacklog[]> {
    const consumers = this.sources.consumers.registered().map(({ name, types }) => ({ name, types: types ?? null }));
    if (consumers.length === 0) return [];
    const rows = await this.database().transaction(async (tx) => {
      await tx.query(WITHOUT_JIT);
      const read = await tx.query<{ consumer: string; lag: number; oldest_age_seconds: number; dead_letters: number }>(
        CONSUMER_BACKLOG_SQL,
        [JSON.stringify(consumers)],
      );
      return read.rows;
    });
    return rows.map((row) => ({
      consumer: row.consumer,
      lag: row.lag,
      oldestAgeSeconds: Math.max(0, row.oldest_age_seconds),
      deadLetters: row.dead_letters,
    }));
  }

  /** Runs one query; a failure is logged, counted and read as nothing, so the scrape still answers. */
  private async read<T>(query: StateQuery, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      this.collectionErrors.inc({ query });
      this.sources.logger.warn('a metrics query failed; its gauges keep the values last read', { query, err: error });
      return undefined;
    }
  }
}
