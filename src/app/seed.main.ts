import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { Presets, SingleBar } from 'cli-progress';
import { Config, ConfigError, loadConfig } from '../platform/config';
import { InProcessMessageBus } from '../platform/messaging/in-process.message-bus';
import { AppLogger, NestLoggerAdapter } from '../platform/observability/logger';
import { PgDatabase } from '../platform/persistence/pg.database';
import { AppModule } from './app.module';
import { seedCatalog } from './catalog-seed';
import { openCliDatabase } from './cli';
import { migrate } from './create-app';

const USAGE = 'usage: npm run seed -- [--products N] [--batch N] [--concurrency N]';

/**
 * `npm run seed -- --products 100000`: fills the catalog with generated products (variants across a category tree,
 * stock for every SKU) on DATABASE_URL, or on the embedded default (the running one of `npm start`, else started
 * here). Resumable: run it again after an interruption. Its sessions commit asynchronously (a crash may lose the
 * last batches, which the next run writes again); the events it records are published by the server's consumers.
 */
const main = async (): Promise<void> => {
  const { values } = parseArgs({ options: { products: { type: 'string' }, batch: { type: 'string' }, concurrency: { type: 'string' } } });
  const [products, batchSize, concurrency] = [values.products ?? '100000', values.batch ?? '500', values.concurrency ?? '6'].map(Number);
  if (![products, batchSize, concurrency].every((n) => Number.isInteger(n) && n > 0)) throw new ConfigError(USAGE);
  const config = loadConfig(process.env);
  const logger = AppLogger.create(config.logLevel === 'info' ? 'warn' : config.logLevel);

  // DATABASE_URL, else the embedded server of a running `npm start`, else that one started for the run
  const target = await openCliDatabase(config, logger);
  const url = target.url;
  const seedUrl = new URL(url);
  seedUrl.searchParams.set('options', '-c synchronous_commit=off');
  const database = new PgDatabase(seedUrl.toString(), { max: concurrency + 2, applicationName: 'orderly-seed' });
  try {
    await migrate(database);
    // the consumers stay off: the server publishes what the seed records, whichever bus it uses
    const app = await NestFactory.createApplicationContext(
      AppModule.forRoot(new Config({ ...config, databaseUrl: url }), { database, logger, bus: new InProcessMessageBus() }),
      { logger: new NestLoggerAdapter(logger) },
    );
    const bar = process.stdout.isTTY
      ? new SingleBar(
          { format: 'Catalog [{bar}] {value}/{total} products | {created} created | {stocked} SKUs stocked | {eta_formatted} left' },
          Presets.shades_classic,
        )
      : undefined;
    bar?.start(products, 0, { created: 0, stocked: 0 });
    const started = performance.now();
    let lastLine = 0;
    try {
      const result = await seedCatalog(app, {
        products,
        batchSize,
        concurrency,
        onProgress: (p) => {
          bar?.update(p.products, { created: p.created, stocked: p.stocked });
          if (!bar && performance.now() - lastLine > 5000) {
            lastLine = performance.now();
            console.log(`seed: ${p.products}/${p.total} products, ${p.created} created, ${p.stocked} SKUs stocked`);
          }
        },
      });
      bar?.stop();
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `seed: ${result.created} products created (${result.skipped} already there), ${result.stocked} SKUs stocked, ` +
          `${result.categories} categories, in ${seconds.toFixed(1)} s (${Math.round(result.created / seconds)} products/s)`,
      );
    } finally {
      bar?.stop();
      await app.close();
    }
  } finally {
    await database.close().catch(() => undefined);
    await target.stop();
  }
};

main().catch((error: unknown) => {
  console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
