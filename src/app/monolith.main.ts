// first: tracing instruments the modules imported after it (off unless OTEL_* asks for it)
import './tracing.main';
import { join } from 'node:path';
import { EnsureAdminHandler } from '../contexts/identity/application/ensure-admin';
import { Config, loadConfig } from '../platform/config';
import { AppLogger } from '../platform/observability/logger';
import { METRICS_PATH, MetricsServer } from '../platform/observability/metrics.server';
import { startEmbeddedPostgres } from '../platform/persistence/embedded-postgres';
import { embeddedPostgresOptions } from '../platform/persistence/embedded-postgres-settings';
import { Clock } from '../shared-kernel/clock';
import { newId } from '../shared-kernel/ids';
import { createApp, RunningApp } from './create-app';
import { embeddedAdmin } from './embedded-admin';
import { seedDemoData } from './demo-data';
import { DEMO_CUSTOMER_PASSWORD, DEMO_CUSTOMERS, seedDemoShop } from './demo-shop';
import { chooseMetricsPort } from './metrics-port';
import { configOrExit, type ListenSettings, runMain } from './startup-failure';
import { stopOnSignals } from './stop-on-signals';
import { trialListen } from '../platform/trial-listen';

/** The settings of the ports the app listens on, once read: a port that is taken is told by the setting to change. */
let listening: ListenSettings = {};

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
  const config = configOrExit(() => loadConfig(process.env), 'orderly');
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

  // the embedded server stops last, after the app that uses it
  stopOnSignals(logger, async () => {
    await running.shutdown();
    await embedded?.stop();
  });

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

runMain(main, { prefix: 'orderly', fatal: 'orderly failed to start', listening: () => listening });
