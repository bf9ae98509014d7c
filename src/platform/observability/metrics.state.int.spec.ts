import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { parseExposition, type Sample, samples, total } from '../../../test/support/scrape';
import { SystemClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { PgLogConsumers } from '../consumers/pg.log-consumers';
import { PostgresEventStore } from '../event-store/postgres.event-store';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { AppLogger } from './logger';
import { Metrics } from './metrics';
import { MetricsState } from './metrics.state';

/**
 * The scrape-time gauges on real PostgreSQL: lag and age per consumer (of its types, or of every event), and what a
 * scrape shows when the backlog statement times out — the values last read, never an empty gauge, and one more
 * collection error. The statement is made to time out the way a huge backlog would: it waits on a lock held elsewhere
 * past the metrics connection's statement timeout.
 */

const STATEMENT_TIMEOUT_MS = 300;
const silent = AppLogger.create('silent');

describe.each(testServers())('MetricsState on $name', (server) => {
  const suite = migratedDatabase(server, platformCoreMigrations);
  let store: PostgresEventStore;

  beforeAll(() => {
    store = new PostgresEventStore(suite.db);
  });

  const append = (type: string, count = 1) =>
    store.append(
      `test.metrics-${newId()}`,
      Array.from({ length: count }, (_, i) => ({ type, data: { i } })),
      { expectedVersion: 'no_stream', meta: { commandId: newId(), correlationId: newId(), now: new Date() } },
    );

  /** A MetricsState over consumers that are registered but not running (their lag only grows), on its own connection. */
  const scraped = (register: (consumers: PgLogConsumers) => void) => {
    const consumers = new PgLogConsumers(suite.db, store, new SystemClock(), { log: () => undefined });
    register(consumers);
    const metrics = new Metrics();
    const state = new MetricsState(metrics, {
      database: { open: () => new PgDatabase(suite.url, { max: 1, statementTimeoutMs: STATEMENT_TIMEOUT_MS }), owned: true },
      consumers,
      clock: new SystemClock(),
      logger: silent,
    });
    const scrape = async (): Promise<Sample[]> => parseExposition((await metrics.exposition()).body);
    return { scrape, close: () => state.onApplicationShutdown() };
  };

  it('counts the events after each checkpoint: of its types for a consumer of some, all of them for one of every event', async () => {
    const wanted = `Wanted-${newId()}`;
    const typed = `test.typed-${newId()}`;
    const everything = `test.everything-${newId()}`;
    const { scrape, close } = scraped((consumers) => {
      consumers.register({ name: typed, types: [wanted], handle: async () => undefined });
      consumers.register({ name: everything, handle: async () => undefined });
    });
    try {
      const before = await scrape();
      await append(wanted, 2);
      await append(`Other-${newId()}`, 3);
      await append(wanted, 1);
      const after = await scrape();

      const lag = (all: Sample[], consumer: string) => total(all, 'orderly_consumer_lag_events', { consumer });
      expect(lag(after, typed)).toBe(3);
      expect(lag(after, everything) - lag(before, everything)).toBe(6);
      for (const consumer of [typed, everything]) {
        expect(total(after, 'orderly_consumer_oldest_unprocessed_age_seconds', { consumer }), consumer).toBeGreaterThan(0);
        expect(samples(after, 'orderly_dead_letters', { consumer }), consumer).toEqual([
          { name: 'orderly_dead_letters', labels: { consumer }, value: 0 },
        ]);
      }
      expect(total(after, 'orderly_metrics_collection_errors_total')).toBe(0);
    } finally {
      await close();
    }
  });

  it('keeps the values last read when the backlog statement times out, and counts the failure', async () => {
    const wanted = `Kept-${newId()}`;
    const consumer = `test.kept-${newId()}`;
    const { scrape, close } = scraped((consumers) =>
      consumers.register({ name: consumer, types: [wanted], handle: async () => undefined }),
    );
    const lock = Promise.withResolvers<void>();
    const locked = Promise.withResolvers<void>();
    try {
      await append(wanted, 3);
      const read = await scrape();
      expect(total(read, 'orderly_consumer_lag_events', { consumer })).toBe(3);
      const age = total(read, 'orderly_consumer_oldest_unprocessed_age_seconds', { consumer });
      expect(samples(read, 'orderly_metrics_collection_errors_total', { query: 'consumer_backlog' })).toHaveLength(1);

      // the statement reads the checkpoints: held elsewhere, it waits past its timeout
      const holding = suite.db.transaction(async (tx) => {
        await tx.query('lock table es.checkpoints in access exclusive mode');
        locked.resolve();
        await lock.promise;
      });
      await locked.promise;
      await append(wanted, 1);
      const stale = await scrape();
      lock.resolve();
      await holding;

      expect(total(stale, 'orderly_consumer_lag_events', { consumer })).toBe(3);
      expect(total(stale, 'orderly_consumer_oldest_unprocessed_age_seconds', { consumer })).toBe(age);
      expect(samples(stale, 'orderly_dead_letters', { consumer })).toHaveLength(1);
      expect(total(stale, 'orderly_metrics_collection_errors_total', { query: 'consumer_backlog' })).toBe(1);
      expect(total(stale, 'orderly_metrics_collection_errors_total', { query: 'scheduled_messages' })).toBe(0);

      // once the statement answers again, the gauges move on
      const fresh = await scrape();
      expect(total(fresh, 'orderly_consumer_lag_events', { consumer })).toBe(4);
      expect(total(fresh, 'orderly_metrics_collection_errors_total', { query: 'consumer_backlog' })).toBe(1);
    } finally {
      lock.resolve();
      await close();
    }
  });
});
