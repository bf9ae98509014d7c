import type { Provider } from '@nestjs/common';
import { Clock } from '../../shared-kernel/clock';
import type { Config } from '../config';
import { LogConsumers } from '../consumers/log-consumer';
import { Database } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { Readiness } from './health';
import { AppLogger } from './logger';
import { Metrics } from './metrics';
import { MetricsServer } from './metrics.server';
import { MetricsState } from './metrics.state';

/** A scrape's state queries give up after this long (the scrape still answers, without their gauges). */
const STATE_QUERY_TIMEOUT_MS = 2_000;

/**
 * The metrics of one app for the platform module: the registry (`Metrics`, injected wherever something is counted),
 * the scrape-time gauges of the platform's state (`MetricsState`) and the `/metrics` server on METRICS_PORT
 * (`MetricsServer`, started by `prepareHttpApp`). `orderly_ready` reads the check behind `/health/ready` (`Readiness`)
 * when the app has one.
 */
export const metricsProviders = (config: Config): Provider[] => [
  { provide: Metrics, useFactory: () => new Metrics() },
  {
    provide: MetricsServer,
    useFactory: (metrics: Metrics, logger: AppLogger) =>
      new MetricsServer(metrics, { host: config.host, port: config.metricsPort, logger: logger.child({ component: 'metrics' }) }),
    inject: [Metrics, AppLogger],
  },
  {
    provide: MetricsState,
    useFactory: (metrics: Metrics, db: Database, consumers: LogConsumers, clock: Clock, logger: AppLogger, readiness?: Readiness) =>
      new MetricsState(metrics, {
        database: config.databaseUrl
          ? {
              open: () =>
                new PgDatabase(config.databaseUrl!, {
                  max: 1,
                  applicationName: 'orderly-metrics',
                  connectionTimeoutMillis: STATE_QUERY_TIMEOUT_MS,
                  statementTimeoutMs: STATE_QUERY_TIMEOUT_MS,
                }),
              owned: true,
            }
          : { open: () => db, owned: false },
        consumers,
        clock,
        logger: logger.child({ component: 'metrics' }),
        pool: db instanceof PgDatabase ? () => db.poolConnections() : undefined,
        ready: readiness ? async () => (await readiness.check()).ready : undefined,
      }),
    inject: [Metrics, Database, LogConsumers, Clock, AppLogger, { token: Readiness, optional: true }],
  },
];
