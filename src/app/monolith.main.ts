// first: tracing instruments the modules imported after it (off unless OTEL_* asks for it)
import './tracing.main';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnsureAdminHandler } from '../contexts/identity/application/ensure-admin';
import { Config, ConfigError, loadConfig } from '../platform/config';
import { AppLogger } from '../platform/observability/logger';
import { METRICS_PATH, MetricsServer } from '../platform/observability/metrics.server';
import { startEmbeddedPostgres } from '../platform/persistence/embedded-postgres';
import { embeddedPostgresOptions } from '../platform/persistence/embedded-postgres-settings';
import { Clock } from '../shared-kernel/clock';
import { newId } from '../shared-kernel/ids';
import { createApp, RunningApp } from './create-app';
import { seedDemoData } from './demo-data';
import { DEMO_CUSTOMER_PASSWORD, DEMO_CUSTOMERS, seedDemoShop } from './demo-shop';
import { stopTracingBeforeExit } from './flush-traces';
import { chooseMetricsPort } from './metrics-port';
import { type ListenSettings, startupFailure } from './startup-failure';
import { trialListen } from '../platform/trial-listen';

/** The embedded default's admin when ORDERLY_ADMIN_EMAIL/PASSWORD are not set; its password is kept in DATA_DIR. */
const EMBEDDED_ADMIN_EMAIL = 'admin@orderly.local';
const SHUTDOWN_TIMEOUT_MS = 30_000;

/** The settings of the ports the app listens on, once read: a port that is taken is told by the setting to change. */
let listening: ListenSettings = {};

/** Generated once per data directory (mode 0600), so `npm start` has a working admin login out of the box. */
const embeddedAdmin = (dataDir: string): { email: string; password: string } => {
  const file = join(dataDir, 'admin-password');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(12).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { email: EMBEDDED_ADMIN_EMAIL, password: readFileSync(file, 'utf8').trim() };
};

const ensureAdmin = async (running: RunningApp, admin: { email: string; password: string }): Promise<void> => {
  const now = running.app.get(Clock).now();
  const outcome = await running.app.get(EnsureAdminHandler).execute(admin, { commandId: newId(), correlationId: newId(), now });
  running.logger.info('admin account ensured', { email: admin.email, outcome });
};

/** The address to print for a server listening on `host` (one on every interface is reached on the loopback). */
const reachableHost = (host: string): string => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

const banner = (
  config: Config,
  metricsPort: number | undefined,
  admin: { email: string; password: string } | undefined,
  generatedAdmin: boolean,
): string => {
  const host = reachableHost(config.host);
  const base = `http://${host}:${config.port}`;
  const lines = [
    `Orderly is listening on ${config.host}:${config.port}`,
    `  API:  ${base}/api/v1`,
    `  Docs: ${base}/api/docs (OpenAPI JSON: ${base}/api/docs-json)`,
  ];
  if (metricsPort !== undefined) lines.push(`  Metrics: http://${host}:${metricsPort}${METRICS_PATH}`);
  if (admin) {
    const password = generatedAdmin ? admin.password : '<ORDERLY_ADMIN_PASSWORD>';
    lines.push(
      `  Admin: ${admin.email} (password: ${password}${generatedAdmin ? `, kept in ${join(config.dataDir, 'admin-password')}` : ''})`,
      `  Log in: curl -s -X POST ${base}/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"${admin.email}","password":"${password}"}'`,
      `  Then send the accessToken as 'Authorization: Bearer <token>' (Swagger UI: "Authorize").`,
    );
    if (generatedAdmin) {
      lines.push(`  Demo customers: ${DEMO_CUSTOMERS.map((c) => c.email).join(', ')} (password: ${DEMO_CUSTOMER_PASSWORD})`);
    }
  } else {
    lines.push('  No admin account configured: set ORDERLY_ADMIN_EMAIL and ORDERLY_ADMIN_PASSWORD.');
  }
  return lines.join('\n');
};

/**
 * The monolith: every context in one process. Without DATABASE_URL it runs on an embedded PostgreSQL under
 * DATA_DIR/pg (as root, when its user cannot enter DATA_DIR, in the place DATA_DIR/pg-location names, told in one
 * line) and, on the first start, seeds demo data. SIGINT/SIGTERM shut it down in order and exit 0.
 */
const main = async (): Promise<void> => {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`orderly: ${error.message}`);
    process.exit(1);
  }
  const logger = AppLogger.create(config.logLevel);
  listening = { PORT: config.port, METRICS_PORT: config.metricsPort };
  // a taken HTTP or metrics port is told before the database starts, not after a minute of initdb and seeding
  await trialListen(config.port, config.host);
  const metrics = await chooseMetricsPort(config);

  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        ...embeddedPostgresOptions(config),
        onNotice: (message) => logger.warn(message),
        onInfo: (message) => logger.info(message),
      });
  const runtimeConfig = new Config({ ...config, metricsPort: metrics.port, ...(embedded && { databaseUrl: embedded.url }) });

  let running: RunningApp;
  try {
    running = await createApp(runtimeConfig, { logger });
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  const metricsAddress = running.app.get(MetricsServer).address();
  if (metrics.instead !== undefined && metricsAddress) {
    logger.warn(
      `port ${metrics.instead} of the metrics server is taken by another program: /metrics is served on ` +
        `${reachableHost(config.host)}:${metricsAddress.port} instead; set METRICS_PORT to choose its port`,
    );
  }

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn('second signal: exiting without waiting', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    const deadline = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting', { timeoutMs: SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    try {
      await running.shutdown();
      await embedded?.stop();
      await stopTracingBeforeExit(); // the last spans are exported before the process exits
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error('shutdown failed', { err: error });
      await stopTracingBeforeExit(); // the spans of what failed too
      process.exit(1);
    }
  };
  // A library's exit hook on these signals (such as async-exit-hook) would exit the process as soon as its own work is
  // done, cutting the ordered shutdown below short; this process stops its embedded server itself, last.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const generatedAdmin = !config.admin && !!embedded;
  const admin = config.admin ?? (embedded ? embeddedAdmin(config.dataDir) : undefined);
  try {
    if (admin) await ensureAdmin(running, admin);
    if (embedded) {
      await seedDemoData(running.app);
      if (admin) await seedDemoShop(running.app, admin);
    }
    await running.app.listen(config.port, config.host);
  } catch (error) {
    // the port may have been taken since the check: stop what started, so no server is left behind
    await running.shutdown().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  console.log(banner(config, metricsAddress?.port, admin, generatedAdmin));
};

main().catch(async (error: unknown) => {
  const sentence = startupFailure(error, listening);
  if (sentence) console.error(`orderly: ${sentence}`);
  else AppLogger.create('error').fatal('orderly failed to start', { err: error });
  await stopTracingBeforeExit(); // the spans of the failed start (its migrations, its seeding) are not lost
  process.exit(1);
});
