import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { Config, ConfigError, loadConfig } from '../platform/config';
import { AppLogger, NestLoggerAdapter } from '../platform/observability/logger';
import { startEmbeddedPostgres } from '../platform/persistence/embedded-postgres';
import { PgDatabase } from '../platform/persistence/pg.database';
import { AppModule } from './app.module';
import { migrate } from './create-app';

const canConnect = async (url: string): Promise<boolean> => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * The database a command-line tool works on: DATABASE_URL; else the embedded PostgreSQL of a running `npm start`
 * (same DATA_DIR and port); else that embedded PostgreSQL, started for the duration of the command.
 */
const openCliDatabase = async (config: Config): Promise<{ url: string; stop(): Promise<void> }> => {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => undefined };
  const running = `postgres://postgres:postgres@127.0.0.1:${config.embeddedPgPort}/orderly`;
  if (await canConnect(running)) return { url: running, stop: async () => undefined };
  return startEmbeddedPostgres({ dataDir: join(config.dataDir, 'pg'), port: config.embeddedPgPort });
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
  const database = await openCliDatabase(config);
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
