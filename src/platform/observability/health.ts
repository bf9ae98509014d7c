import type { OnApplicationShutdown } from '@nestjs/common';
import type { LogConsumers } from '../consumers/log-consumer';
import type { MessageBus } from '../messaging/message-bus';
import type { Database } from '../persistence/database';
import { PgScheduler } from '../scheduling/pg.scheduler';
import type { Scheduler } from '../scheduling/scheduler';
import { ConsumerStallWatch, consumerPositions } from './health-consumers';
import type { ReadinessSettings } from './health-settings';
import type { AppLogger } from './logger';

export type CheckState = 'ok' | 'down';
/** What readiness looks at; the names are all a caller learns of each (no errors, hosts or versions). */
export type CheckName = 'database' | 'broker' | 'consumers' | 'scheduler';
export type ReadinessReport = { ready: boolean; checks: Record<CheckName, CheckState> };

export type ReadinessDependencies = {
  /** where the checks query: best a pool of its own, so a pool busy with requests does not read as a database down */
  db: Database;
  /** close `db` when the app shuts down (it is the checks' own) */
  ownsDatabase: boolean;
  consumers: LogConsumers;
  scheduler: Scheduler;
  bus: MessageBus;
  /** ids of the migrations this code needs applied */
  migrations: readonly string[];
  settings: ReadinessSettings;
  logger: AppLogger;
};

/** A check that did not answer in time: its query may still be running (see `Readiness.bounded`). */
class NoAnswer extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'NoAnswer';
  }
}

const within = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

/**
 * Whether this process should get traffic (`GET /health/ready`, the `orderly_ready` gauge): the database answers and
 * has every migration this code needs, the broker connection is up (the in-process bus always is), no log consumer
 * is stuck (see `ConsumerStallWatch`: one that fails and retries is not) and the scheduler's poller runs. Each check that does I/O answers within
 * `checkTimeoutMs` or counts as down: a hung database gives 503 at once, not a hung probe. A check still running
 * when the next one is asked for is joined, not started again, so probes against a hung database hold at most one
 * query per check. Failures are logged when a check changes state, with their cause; callers see names and ok/down.
 */
export class Readiness implements OnApplicationShutdown {
  private readonly stalls: ConsumerStallWatch;
  private readonly inFlight = new Map<CheckName, Promise<void>>();
  private readonly last = new Map<CheckName, CheckState>();

  constructor(private readonly deps: ReadinessDependencies) {
    this.stalls = new ConsumerStallWatch(deps.settings.consumerStuckAfterMs);
  }

  async check(): Promise<ReadinessReport> {
    const failures = new Map<CheckName, unknown>();
    const [database, consumers] = await Promise.all([
      this.bounded('database', () => this.migrated(), failures),
      this.bounded('consumers', () => this.consumersMoving(), failures),
    ]);
    const checks: Record<CheckName, CheckState> = {
      database,
      broker: this.deps.bus.isConnected() ? 'ok' : 'down',
      consumers,
      // another Scheduler (a test's) has no poller of its own to watch
      scheduler: !(this.deps.scheduler instanceof PgScheduler) || this.deps.scheduler.running ? 'ok' : 'down',
    };
    this.logChanges(checks, failures);
    return { ready: Object.values(checks).every((state) => state === 'ok'), checks };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.deps.ownsDatabase) await this.deps.db.close();
  }

  /** Every migration this code knows is recorded as applied. */
  private async migrated(): Promise<void> {
    const ids = this.deps.migrations;
    const { rows } = await this.deps.db.query<{ applied: string }>(
      'select count(*) as applied from public.schema_migrations where id = any($1::text[])',
      [ids],
    );
    const missing = ids.length - Number(rows[0].applied);
    if (missing > 0) throw new Error(`${missing} of ${ids.length} migrations are not applied`);
  }

  private async consumersMoving(): Promise<void> {
    const names = this.deps.consumers.registered().map((consumer) => consumer.name);
    const positions = await consumerPositions(this.deps.db, names);
    const stuck = this.stalls.stuck(positions, Date.now());
    if (stuck.length > 0) throw new Error(`log consumers stuck: ${stuck.join(', ')}`);
  }

  /** Runs the check (or joins the run still going) and waits for it at most `checkTimeoutMs`. */
  private async bounded(name: CheckName, work: () => Promise<void>, failures: Map<CheckName, unknown>): Promise<CheckState> {
    let run = this.inFlight.get(name);
    if (!run) {
      run = work().finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, run);
    }
    try {
      await within(run, this.deps.settings.checkTimeoutMs);
      return 'ok';
    } catch (error) {
      failures.set(name, error);
      return 'down';
    }
  }

  private logChanges(checks: Record<CheckName, CheckState>, failures: Map<CheckName, unknown>): void {
    for (const [name, state] of Object.entries(checks) as [CheckName, CheckState][]) {
      const before = this.last.get(name);
      this.last.set(name, state);
      if (state === before || (state === 'ok' && before === undefined)) continue;
      if (state === 'down') this.deps.logger.warn('readiness check failed', { check: name, err: failures.get(name) });
      else this.deps.logger.info('readiness check passes again', { check: name });
    }
  }
}
