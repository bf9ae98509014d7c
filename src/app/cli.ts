import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Config, ConfigError, loadConfig } from '../platform/config';
import { AppLogger, NestLoggerAdapter } from '../platform/observability/logger';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from '../platform/persistence/embedded-postgres';
import { embeddedPostgresOptions } from '../platform/persistence/embedded-postgres-settings';
import { PgDatabase } from '../platform/persistence/pg.database';
import { AppModule } from './app.module';
import { migrate } from './create-app';
import { startupFailure } from './startup-failure';

/**
 * The database a command-line tool works on: DATABASE_URL; else the embedded PostgreSQL of a running `npm start`
 * (same DATA_DIR, on the port it took: EMBEDDED_PG_PORT, or the one remembered in DATA_DIR, serving the cluster of
 * DATA_DIR: DATA_DIR/pg, or the one DATA_DIR/pg-location names); else that embedded PostgreSQL, started for the
 * duration of the command.
 */
export const openCliDatabase = async (config: Config, logger: AppLogger): Promise<{ url: string; stop(): Promise<void> }> => {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => undefined };
  const options = embeddedPostgresOptions(config);
  const running = await runningEmbeddedPostgres(options);
  if (running) return { url: running, stop: async () => undefined };
  try {
    return await startEmbeddedPostgres({
      ...options,
      onNotice: (message) => logger.warn(message),
      onInfo: (message) => logger.info(message),
    });
  } catch (error) {
    const sentence = startupFailure(error);
    if (!sentence) throw error;
    console.error(`orderly: ${sentence}`);
    process.exit(1);
  }
};

/**
 * Runs `work` with every context assembled but nothing started: no HTTP, no consumers, no broker (the in-process bus
 * is forced, so a tool never takes messages meant for the running services). Migrates first; closes everything after.
 */
export const withAppContext = async <T>(work: (app: INestApplicationContext, logger: AppLogger) => Promise<T>): Promise<T> => {
  let config: Config;
  try {
    config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`orderly: ${error.message}`);
    process.exit(1);
  }
  const logger = AppLogger.create(config.logLevel);
  const database = await openCliDatabase(config, logger);
  try {
    const runtimeConfig = new Config({ ...config, databaseUrl: database.url, messageBus: 'in-process' });
    const pool = new PgDatabase(database.url, { max: 4, applicationName: 'orderly-cli' });
    await migrate(pool);
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(runtimeConfig, { database: pool, logger }), {
      logger: new NestLoggerAdapter(logger.child({ component: 'nest' })),
      abortOnError: false,
    });
    try {
      return await work(app, logger);
    } finally {
      await app.close();
    }
  } finally {
    await database.stop();
  }
};

/** Reads `--name value` / `--name=value` from the command line. */
export const argument = (name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined => {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
};
