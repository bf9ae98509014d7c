import { loadConfig } from '../platform/config';
import { startEmbeddedPostgres } from '../platform/persistence/embedded-postgres';
import { embeddedPostgresOptions } from '../platform/persistence/embedded-postgres-settings';
import { trialListen } from '../platform/trial-listen';
import { embeddedAdmin } from './embedded-admin';
import { type LocalTopology, SERVICES_MAX_CONNECTIONS, startLocalTopology } from './services/local-topology';
import { configOrExit, runMain } from './startup-failure';

/**
 * `npm run start:services`: the services topology on one machine, for development and tests — every context in a
 * process of its own with its own database (on the embedded PostgreSQL unless DATABASE_URL names a server), the
 * broker from AMQP_URL or NATS_URL, Redis from REDIS_URL, two gateways and nginx in front of them on PORT. It starts
 * the processes and stops them on Ctrl-C; it restarts nothing (in production an orchestrator runs them).
 */
const main = async (): Promise<void> => {
  const config = configOrExit(() => loadConfig(process.env), 'orderly');
  if (config.messageBus === 'in-process') {
    console.error('orderly: the services topology talks over a broker: set AMQP_URL or NATS_URL');
    process.exit(1);
  }
  await trialListen(config.port, config.host);
  const progress = (line: string) => console.log(line);

  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        ...embeddedPostgresOptions(config),
        settings: { max_connections: String(SERVICES_MAX_CONNECTIONS) },
        onNotice: progress,
        onInfo: progress,
      });
  const admin = config.admin ?? (embedded ? embeddedAdmin(config.dataDir) : undefined);
  let topology: LocalTopology;
  try {
    topology = await startLocalTopology({
      config,
      env: process.env,
      serverUrl: config.databaseUrl ?? embedded!.url,
      admin,
      appDir: __dirname,
      progress,
    });
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    throw error;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    progress(`stopping (${signal})`);
    await topology.stop();
    await embedded?.stop().catch(() => undefined);
    progress('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  for (const child of [...topology.services, ...topology.gateways]) {
    void child.exited.then((code) => {
      if (!stopping) progress(`${child.name} exited (code ${code}); its output is in ${child.log}`);
    });
  }

  console.log(
    [
      `Orderly (services topology, over ${config.messageBus}) is listening on ${config.host}:${config.port}`,
      `  API:  ${topology.url}/api/v1`,
      `  Docs: ${topology.url}/api/docs`,
      admin ? `  Admin: ${admin.email}${config.admin ? '' : ` (password: ${admin.password})`}` : '  No admin account configured.',
      '  Ctrl-C stops it all.',
    ].join('\n'),
  );
};

runMain(main, { prefix: 'orderly' });
