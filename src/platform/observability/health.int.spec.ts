import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { SystemClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import type { LogConsumers } from '../consumers/log-consumer';
import { PgLogConsumers } from '../consumers/pg.log-consumers';
import type { CommandMeta } from '../event-store/event-store';
import { PostgresEventStore } from '../event-store/postgres.event-store';
import { InProcessMessageBus } from '../messaging/in-process.message-bus';
import type { Database } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { PgScheduler } from '../scheduling/pg.scheduler';
import { Readiness, type ReadinessDependencies } from './health';
import { consumerPositions } from './health-consumers';
import { AppLogger } from './logger';

/**
 * The readiness check on real PostgreSQL, log consumers and scheduler: a stuck consumer, a busy one, one that fails
 * and retries on an outage (not stuck) and one whose retries nothing runs any more (stuck), a missing migration, a
 * stopped scheduler, a closed bus, and a database that accepts connections but never answers. The
 * stuck threshold is short here (the setting's floor of 10 s is for production, where consumers save positions
 * they pass over every 5 s; these consumers want every event of their type and save as they go).
 */

const STUCK_AFTER_MS = 300;
const CHECK_TIMEOUT_MS = 2_000;
const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: new Date() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const silent = AppLogger.create('silent');

/** Lets a handler through one event at a time: `release()` opens it for one more. */
class Gate {
  private permits = 0;
  private waiting: (() => void)[] = [];
  pass(): Promise<void> {
    if (this.permits > 0) {
      this.permits -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(count = 1): void {
    for (let i = 0; i < count; i++) {
      const next = this.waiting.shift();
      if (next) next();
      else this.permits += 1;
    }
  }
}

/**
 * Polls until `check` holds; bounded, never asserts a duration. Generous: on a server shared with other suites, a
 * transaction left open elsewhere holds back what the log's readers may read (the horizon is the server's, and the
 * whole suite once kept a consumer here from its first event for over 30 s); the tests get the time to match.
 */
const EVENTUALLY_POLLS = 4000;
const SUITE_TIMEOUT_MS = 150_000;
const eventually = async (check: () => Promise<boolean>, what: string) => {
  for (let i = 0; i < EVENTUALLY_POLLS; i++) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`never happened: ${what}`);
};

describe.each(testServers())(
  'Readiness on $name',
  (server) => {
    const suite = migratedDatabase(server, platformCoreMigrations, { poolSize: 10 });
    const migrations = platformCoreMigrations.map((m) => m.id);
    let store: PostgresEventStore;
    const cleanup: (() => Promise<void>)[] = [];

    beforeAll(() => {
      store = new PostgresEventStore(suite.db);
    });
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    /** A running platform around `consumers` (started), with a scheduler poller and an in-process bus. */
    const platform = async (consumers: LogConsumers, overrides: Partial<ReadinessDependencies> = {}) => {
      const scheduler = new PgScheduler(suite.db, store, new SystemClock(), { onError: () => undefined });
      const bus = new InProcessMessageBus();
      await consumers.start();
      scheduler.start(50);
      cleanup.push(async () => {
        await scheduler.stop();
        await consumers.stop();
        await bus.close();
      });
      const readiness = new Readiness({
        db: suite.db,
        ownsDatabase: false,
        consumers,
        scheduler,
        bus,
        migrations,
        settings: { checkTimeoutMs: CHECK_TIMEOUT_MS, consumerStuckAfterMs: STUCK_AFTER_MS },
        logger: silent,
        ...overrides,
      });
      return { readiness, scheduler, bus };
    };

    /** Consumers with one consumer of `type` whose handler waits at `gate` for every event. */
    const gatedConsumers = (name: string, type: string, gate: Gate, batchSize = 500) => {
      const consumers = new PgLogConsumers(suite.db, store, new SystemClock(), { log: () => undefined, batchSize, pollIntervalMs: 50 });
      consumers.register({ name, types: [type], handle: () => gate.pass() });
      // a handler still waiting when the test ends is let through, so the consumers can stop
      cleanup.push(async () => gate.release(1000));
      return consumers;
    };

    const append = (type: string, count = 1) =>
      store.append(
        `test.health-${newId()}`,
        Array.from({ length: count }, (_, i) => ({ type, data: { i } })),
        { expectedVersion: 'no_stream', meta: meta() },
      );

    it('is ready when the database is migrated, the bus open, no consumer stuck and the scheduler running', async () => {
      const { readiness } = await platform(gatedConsumers(`test.idle-${newId()}`, `Idle-${newId()}`, new Gate()));
      expect(await readiness.check()).toEqual({ ready: true, checks: { database: 'ok', broker: 'ok', consumers: 'ok', scheduler: 'ok' } });
    });

    it('is not ready while a migration this code needs is not applied', async () => {
      const consumers = gatedConsumers(`test.idle-${newId()}`, `Idle-${newId()}`, new Gate());
      const { readiness } = await platform(consumers, { migrations: [...migrations, '9999-not-applied-yet'] });
      const report = await readiness.check();
      expect(report.ready).toBe(false);
      expect(report.checks.database).toBe('down');
    });

    it('follows the scheduler poller and the bus: down once stopped or closed', async () => {
      const { readiness, scheduler, bus } = await platform(gatedConsumers(`test.idle-${newId()}`, `Idle-${newId()}`, new Gate()));
      await scheduler.stop();
      expect((await readiness.check()).checks.scheduler).toBe('down');
      scheduler.start(50);
      expect((await readiness.check()).checks.scheduler).toBe('ok');
      await bus.close();
      expect(await readiness.check()).toMatchObject({ ready: false, checks: { broker: 'down', scheduler: 'ok' } });
    });

    it('calls a consumer stuck once old work waits and it stood still for the threshold, and ready again when it moves', async () => {
      const type = `Stuck-${newId()}`;
      const gate = new Gate();
      const { readiness } = await platform(gatedConsumers(`test.stuck-${newId()}`, type, gate));
      await append(type);
      expect((await readiness.check()).checks.consumers).toBe('ok'); // first seen where it stands: not yet
      await sleep(STUCK_AFTER_MS + 100);
      expect(await readiness.check()).toMatchObject({ ready: false, checks: { consumers: 'down', database: 'ok' } });
      expect((await readiness.check()).checks.consumers).toBe('down');
      gate.release();
      await eventually(async () => (await readiness.check()).ready, 'the consumer to move on and readiness to return');
    });

    /**
     * Consumers with one consumer of `type` whose handler fails every time on an outage (retried, never dead-lettered;
     * an outage uses up no attempts, so the handler's calls are counted here).
     */
    const outageConsumers = (name: string, type: string) => {
      const consumers = new PgLogConsumers(suite.db, store, new SystemClock(), { log: () => undefined, pollIntervalMs: 50 });
      let calls = 0;
      consumers.register({
        name,
        types: [type],
        handle: () => {
          calls += 1;
          return Promise.reject(Object.assign(new Error('the mail server does not answer'), { kind: 'unavailable' }));
        },
      });
      return { consumers, calls: () => calls };
    };

    it('does not call a consumer stuck while its handler keeps failing on an outage and it retries', async () => {
      const type = `Outage-${newId()}`;
      const name = `test.outage-${newId()}`;
      const stuckAfterMs = 1_000; // about its retries' delay on an outage (250 ms doubling, at most 2 s)
      const outage = outageConsumers(name, type);
      const { readiness } = await platform(outage.consumers, {
        settings: { checkTimeoutMs: CHECK_TIMEOUT_MS, consumerStuckAfterMs: stuckAfterMs },
      });
      await append(type);
      expect((await readiness.check()).checks.consumers).toBe('ok');
      await eventually(async () => outage.calls() >= 2, 'the handler to fail and be retried');
      const standing = (await consumerPositions(suite.db, [name]))[0].checkpoint;
      await sleep(stuckAfterMs + 100);
      for (let probe = 0; probe < 6; probe++) {
        expect((await readiness.check()).checks.consumers, `probe ${probe}`).toBe('ok');
        await sleep(200);
      }
      // what would have made it stuck otherwise: old work waits and its checkpoint stood still all along
      const [position] = await consumerPositions(suite.db, [name]);
      expect(position.checkpoint).toBe(standing);
      expect(position.oldestUnprocessedAgeMs).toBeGreaterThan(stuckAfterMs);
      expect(outage.calls()).toBeGreaterThanOrEqual(3);
    });

    it('calls a failing consumer stuck once nothing retries it any more (its loop stopped)', async () => {
      const type = `Abandoned-${newId()}`;
      const name = `test.abandoned-${newId()}`;
      const { consumers, calls } = outageConsumers(name, type);
      const { readiness } = await platform(consumers);
      await append(type);
      expect((await readiness.check()).checks.consumers).toBe('ok');
      await eventually(async () => calls() >= 1, 'the handler to fail');
      await consumers.stop();
      // its last retry falls due and nothing runs it: once it is overdue by the threshold, the consumer is stuck
      await eventually(async () => (await readiness.check()).checks.consumers === 'down', 'the abandoned consumer to be called stuck');
    });

    it('does not call a busy consumer stuck: far behind, it moves between checks', async () => {
      const type = `Busy-${newId()}`;
      const name = `test.busy-${newId()}`;
      const gate = new Gate();
      // one event per batch: the checkpoint moves with every event let through
      const consumers = gatedConsumers(name, type, gate, 1);
      await append(type, 3);
      await sleep(STUCK_AFTER_MS + 100);
      const { readiness } = await platform(consumers);
      const checkpoint = async () => (await consumerPositions(suite.db, [name]))[0];
      expect((await readiness.check()).checks.consumers).toBe('ok');
      let behind = 0;
      for (let event = 0; event < 3; event++) {
        const before = (await checkpoint()).checkpoint;
        gate.release();
        await eventually(async () => (await checkpoint()).checkpoint !== before, `event ${event} to be handled`);
        // as long as a stuck one would have stood still, with work older than the threshold waiting
        await sleep(STUCK_AFTER_MS + 100);
        if (((await checkpoint()).oldestUnprocessedAgeMs ?? 0) > STUCK_AFTER_MS) behind += 1;
        expect((await readiness.check()).checks.consumers, `after event ${event}`).toBe('ok');
      }
      expect(behind).toBeGreaterThanOrEqual(2);
    });

    describe('a database that takes connections but never answers', () => {
      let server: Server;
      let port: number;
      const sockets = new Set<Socket>();

      beforeAll(async () => {
        server = createServer((socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        port = (server.address() as { port: number }).port;
        return async () => {
          for (const socket of sockets) socket.destroy();
          await new Promise((resolve) => server.close(resolve));
        };
      });

      it('is answered down within the check timeout, with one connection attempt however many probes ask', async () => {
        const connections: Socket[] = [];
        server.on('connection', (socket) => connections.push(socket));
        const hung: Database = new PgDatabase(`postgres://postgres@127.0.0.1:${port}/orderly`, { max: 1, connectionTimeoutMillis: 5_000 });
        const consumers = gatedConsumers(`test.idle-${newId()}`, `Idle-${newId()}`, new Gate());
        const { readiness } = await platform(consumers, {
          db: hung,
          ownsDatabase: true,
          settings: { checkTimeoutMs: 200, consumerStuckAfterMs: STUCK_AFTER_MS },
        });
        cleanup.push(() => readiness.onApplicationShutdown());
        const reports = [];
        for (let probe = 0; probe < 5; probe++) reports.push(await readiness.check());
        for (const report of reports) {
          expect(report).toEqual({ ready: false, checks: { database: 'down', broker: 'ok', consumers: 'down', scheduler: 'ok' } });
        }
        // each probe joined the check still waiting for its connection instead of opening another
        expect(connections).toHaveLength(1);
        for (const socket of connections) socket.destroy();
      });
    });
  },
  SUITE_TIMEOUT_MS,
);
