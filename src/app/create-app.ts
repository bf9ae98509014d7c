import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Config } from '../platform/config';
import { configureHttpApp, createHttpAdapter } from '../platform/http/http-server';
import { setupOpenApi } from '../platform/http/openapi';
import { AppLogger, NestLoggerAdapter } from '../platform/observability/logger';
import { Metrics } from '../platform/observability/metrics';
import { observeHttpRequests } from '../platform/observability/metrics.http';
import { MetricsServer } from '../platform/observability/metrics.server';
import type { Database, Migration } from '../platform/persistence/database';
import { runMigrations } from '../platform/persistence/migrations';
import { allMigrations } from './all-migrations';
import { AppModule } from './app.module';
import { openDatabase, PlatformOptions, PlatformRuntime } from './platform.module';

/**
 * How long requests in flight get to finish once the server stops accepting. A connection still open after it (a
 * request accepted at the socket but never answered, a client that keeps a connection open) is closed, so a
 * shutdown always reaches the consumers, the bus and the pool.
 */
const HTTP_DRAIN_MS = 10_000;

/** Applies every migration; returns the ids applied now. */
export const migrate = (db: Database): Promise<string[]> => runMigrations(db, allMigrations);

/** What one process runs: its root module (the platform and its contexts) and the schemas its database holds. */
export type AppShape = {
  root(config: Config, options: PlatformOptions): DynamicModule;
  migrations: readonly Migration[];
};

/** Every context in one process. */
export const MONOLITH: AppShape = { root: (config, options) => AppModule.forRoot(config, options), migrations: allMigrations };

/**
 * What every Nest app of Orderly needs before `init()`: security headers, request id echo, request metrics, OpenAPI at
 * /api/docs; after it, the `/metrics` server on METRICS_PORT. Shared by `createApp` and the test harness, so tests
 * exercise the same pipeline.
 */
export const prepareHttpApp = async (app: NestFastifyApplication): Promise<void> => {
  configureHttpApp(app);
  observeHttpRequests(app.getHttpAdapter().getInstance(), app.get(Metrics));
  setupOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  await app.get(MetricsServer).start();
};

export type RunningApp = {
  app: NestFastifyApplication;
  config: Config;
  logger: AppLogger;
  /** Stops taking requests and waits for those in flight, then stops consumers and the poller, closes the bus and the pool. */
  shutdown(): Promise<void>;
};

/**
 * Builds the app (the monolith unless `shape` says otherwise): migrates the database, then assembles the Nest app on Fastify (request pipeline, OpenAPI),
 * installs the outbox publisher and starts the log consumers and the scheduler poller. It does not listen yet.
 */
export const createApp = async (config: Config, overrides: PlatformOptions = {}, shape: AppShape = MONOLITH): Promise<RunningApp> => {
  const logger = overrides.logger ?? AppLogger.create(config.logLevel);
  const database = overrides.database ?? openDatabase(config);
  let app: NestFastifyApplication | undefined;
  try {
    const applied = await runMigrations(database, shape.migrations);
    if (applied.length > 0) logger.info('migrations applied', { migrations: applied });
    app = await NestFactory.create<NestFastifyApplication>(
      shape.root(config, { ...overrides, database, logger, migrations: shape.migrations }),
      createHttpAdapter(config),
      {
        logger: new NestLoggerAdapter(logger.child({ component: 'nest' })),
        abortOnError: false,
        // signed webhooks are verified over the exact bytes received
        rawBody: true,
      },
    );
    await prepareHttpApp(app);
    await app.get(PlatformRuntime).start();
  } catch (error) {
    // app.close() also closes the pool (PlatformRuntime); without an app, close it here
    await (app ? app.close() : database.close()).catch(() => undefined);
    throw error;
  }
  const nest = app;
  const shutdown = async () => {
    const server = nest.getHttpServer();
    const drained = setTimeout(() => server.closeAllConnections(), HTTP_DRAIN_MS);
    try {
      await nest.close();
    } finally {
      clearTimeout(drained);
    }
  };
  return { app: nest, config, logger, shutdown };
};
