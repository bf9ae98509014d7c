import type { OnApplicationShutdown } from '@nestjs/common';
import type { Gauge } from 'prom-client';
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

/** A consumer further behind than this is counted up to it: a scrape stays cheap however large the backlog grows. */
export const MAX_COUNTED_LAG = 100_000;

/**
 * One statement for every registered consumer: the events after its checkpoint (of the types it reads; a consumer
 * that reads every event and passes over those it does not want saves its checkpoint a few seconds after it passed
 * them, so they count for that long), the age of the oldest of them, and its dead letters.
 */
const CONSUMER_BACKLOG_SQL = `
  select c.name as consumer, l.lag::int as lag,
         coalesce(extract(epoch from now() - l.oldest), 0)::float8 as oldest_age_seconds,
         (select count(*) from es.dead_letters d where d.consumer = c.name)::int as dead_letters
    from jsonb_to_recordset($1::jsonb) as c(name text, types text[])
    left join es.checkpoints cp on cp.consumer = c.name
   cross join lateral (
     select count(*) as lag, min(e.created_at) as oldest
       from (select e.created_at from es.events e
              where (e.transaction_id, e.global_position) > (coalesce(cp.transaction_id, '0'), coalesce(cp.position, 0))
                and (c.types is null or e.type = any(c.types))
              order by e.transaction_id, e.global_position
              limit ${MAX_COUNTED_LAG}) e
   ) l`;

const DUE_MESSAGES_SQL = 'select count(*)::int as due from es.scheduled_messages where delivered_at is null and due_at <= $1';

/**
 * The gauges of the platform's state, computed when Prometheus scrapes (prom-client `collect`), never on a hot path:
 * consumer lag, oldest unprocessed age and dead letters (one query for all consumers), the outbox backlog (from the
 * same read), scheduled messages due and not delivered (one query), and the pool's connections (in memory). A query
 * that fails or times out leaves its gauges empty for that scrape (logged), and never fails the scrape.
 */
export class MetricsState implements OnApplicationShutdown {
  /** This scrape's read of the consumers, shared by the lag, age, dead-letter and outbox gauges. */
  private consumerRead?: Promise<ConsumerBacklog[]>;
  private db?: Database;
  private closed = false;

  constructor(
    metrics: Metrics,
    private readonly sources: MetricsStateSources,
  ) {
    metrics.onScrape(() => (this.consumerRead = undefined));
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
        const due = await this.read('scheduled messages', async () => {
          const { rows } = await this.database().query<{ due: number }>(DUE_MESSAGES_SQL, [this.sources.clock.now()]);
          return rows[0].due;
        });
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
      if (!this.sources.ready) return;
      gauge.set((await this.read('readiness', this.sources.ready)) ? 1 : 0);
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

  /** The consumers' backlog, read once for the gauges of one scrape. */
  consumerBacklog(): Promise<ConsumerBacklog[]> {
    this.consumerRead ??= this.read('consumer backlog', () => this.readConsumerBacklog()).then((read) => read ?? []);
    return this.consumerRead;
  }

  private async readConsumerBacklog(): Promise<ConsumerBacklog[]> {
    const consumers = this.sources.consumers.registered().map(({ name, types }) => ({ name, types: types ?? null }));
    if (consumers.length === 0) return [];
    const { rows } = await this.database().query<{ consumer: string; lag: number; oldest_age_seconds: number; dead_letters: number }>(
      CONSUMER_BACKLOG_SQL,
      [JSON.stringify(consumers)],
    );
    return rows.map((row) => ({
      consumer: row.consumer,
      lag: row.lag,
      oldestAgeSeconds: Math.max(0, row.oldest_age_seconds),
      deadLetters: row.dead_letters,
    }));
  }

  /** Runs one family's read; a failure is logged and read as nothing, so the scrape still answers. */
  private async read<T>(family: string, query: () => Promise<T>): Promise<T | undefined> {
    try {
      return await query();
    } catch (error) {
      this.sources.logger.warn('a metrics query failed; its gauges are left out of this scrape', { family, err: error });
      return undefined;
    }
  }
}
