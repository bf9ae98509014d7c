import type { Provider } from '@nestjs/common';
import type { Config } from '../config';
import { LogConsumers } from '../consumers/log-consumer';
import { MessageBus } from '../messaging/message-bus';
import { Database, type Migration } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { Scheduler } from '../scheduling/scheduler';
import { Readiness } from './health';
import { AppLogger } from './logger';

/**
 * The readiness check for the platform module (`GET /health/ready`, `orderly_ready`), expecting `migrations` applied
 * (the process's own, e.g. `allMigrations`). Its queries run on a connection of their own, with the check's timeout
 * on the server too: a pool busy with requests is load, not a database down, and a statement the server is slow to
 * answer is cancelled instead of holding the connection.
 */
export const readinessProviders = (config: Config, migrations: readonly Migration[]): Provider[] => [
  {
    provide: Readiness,
    useFactory: (db: Database, consumers: LogConsumers, scheduler: Scheduler, bus: MessageBus, logger: AppLogger) => {
      const timeoutMs = config.readiness.checkTimeoutMs;
      const own = config.databaseUrl
        ? new PgDatabase(config.databaseUrl, {
            max: 1,
            applicationName: 'orderly-health',
            connectionTimeoutMillis: timeoutMs,
            statementTimeoutMs: timeoutMs,
          })
        : undefined;
      return new Readiness({
        db: own ?? db,
        ownsDatabase: own !== undefined,
        consumers,
        scheduler,
        bus,
        migrations: migrations.map((migration) => migration.id),
        settings: config.readiness,
        logger: logger.child({ component: 'health' }),
      });
    },
    inject: [Database, LogConsumers, Scheduler, MessageBus, AppLogger],
  },
];
