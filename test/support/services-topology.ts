import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect as amqpConnect } from 'amqplib';
import { busNames } from '../../src/app/platform.module';
import { type LocalTopology, startLocalTopology } from '../../src/app/services/local-topology';
import { CONTEXTS, serviceDatabaseName } from '../../src/app/services/topology';
import { loadConfig } from '../../src/platform/config';
import { startEmbeddedPostgres } from '../../src/platform/persistence/embedded-postgres';
import { BACKEND_URLS } from './backends';
import { ADMIN, ensureBuilt, freePort, JWT_SECRET, ROOT } from './processes';

export type Broker = 'rabbitmq' | 'nats';

/** Room for ten services' pools and second instances; durability is not what these tests are about. */
const TOPOLOGY_CLUSTER_SETTINGS = { max_connections: '300', fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

/** Low, so that `tok_slow` (answered 1 s after the timeout) ends its checkout in about a second. */
export const PAYMENT_PROVIDER_TIMEOUT_MS = 500;

export type RunningTopology = LocalTopology & {
  namespace: string;
  carrierWebhookSecret: string;
  /** the database of the service running `context` */
  databaseOf(context: (typeof CONTEXTS)[number]): string;
  /** stops every process, drops the services' databases and removes the run's broker names */
  close(): Promise<void>;
};

/** The last lines of the log a start failure names ("its output is in <file>"), read before the run's directory goes. */
const logTailOf = (error: unknown, lines = 40): string => {
  const file = /its output is in (\S+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (!file || !existsSync(file)) return '';
  return `\n--- last lines of ${file} ---\n${readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`;
};

/** The run's queues and exchange on RabbitMQ (listed with rabbitmqctl where the broker runs here), or its NATS streams. */
const deleteBusNamespace = async (broker: Broker, namespace: string) => {
  if (broker === 'nats') {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: BACKEND_URLS.nats });
    try {
      const jsm = await jetstreamManager(nc);
      for (const stream of [busNames(namespace).nats.stream, `${busNames(namespace).nats.stream}_DLQ`]) {
        await jsm.streams.delete(stream).catch(() => undefined);
      }
    } finally {
      await nc.close();
    }
    return;
  }
  const queues = await promisify(execFile)('rabbitmqctl', ['list_queues', 'name', '--quiet', '--no-table-headers'], { timeout: 30_000 })
    .then(({ stdout }) => stdout.split('\n').filter((name) => name.startsWith(`${namespace}.`)))
    .catch(() => [] as string[]);
  const connection = await amqpConnect(BACKEND_URLS.rabbitmq);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.deleteExchange(busNames(namespace).rabbitmq.exchange);
  } finally {
    await connection.close();
  }
};

/**
 * The services topology as `npm run start:services` starts it (every context a process on its own database, two
 * gateways, nginx in front), on a PostgreSQL cluster of its own (ten services' pools would crowd the machine's
 * server, which other test files share), the machine's Redis and the given broker, in a bus namespace of this run's
 * own.
 */
export const startServicesTopology = async (broker: Broker, env: Record<string, string> = {}): Promise<RunningTopology> => {
  ensureBuilt();
  const run = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
  const namespace = `e2e-svc-${run}`;
  const base = `e2e_svc_${run}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'orderly-services-'));
  // the cluster runs as the postgres user when the tests run as root: it must reach its directory
  chmodSync(dataDir, 0o755);
  const carrierWebhookSecret = `services-carrier-${randomUUID()}`;
  const cluster = await startEmbeddedPostgres({
    dataDir: join(dataDir, 'pg'),
    port: await freePort(),
    database: base,
    settings: TOPOLOGY_CLUSTER_SETTINGS,
  });
  const serverUrl = cluster.url;
  const settings: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: serverUrl,
    JWT_SECRET,
    MESSAGE_BUS: broker,
    ...(broker === 'rabbitmq' ? { AMQP_URL: BACKEND_URLS.rabbitmq } : { NATS_URL: BACKEND_URLS.nats }),
    BUS_NAMESPACE: namespace,
    REDIS_URL: BACKEND_URLS.redis,
    PAYMENT_PROVIDER_TIMEOUT_MS: String(PAYMENT_PROVIDER_TIMEOUT_MS),
    CARRIER_WEBHOOK_SECRET: carrierWebhookSecret,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'info',
    ...env,
  };
  const config = loadConfig(settings);
  const close = async () => {
    await topology?.stop();
    await cluster.stop().catch(() => undefined);
    await deleteBusNamespace(broker, namespace).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  let topology: LocalTopology | undefined;
  try {
    topology = await startLocalTopology({
      config,
      env: settings,
      serverUrl,
      admin: ADMIN,
      appDir: join(ROOT, 'dist', 'app'),
      progress: () => undefined,
    });
  } catch (error) {
    const tail = logTailOf(error);
    await close();
    if (tail && error instanceof Error) error.message += tail;
    throw error;
  }
  const databaseOf = (context: (typeof CONTEXTS)[number]) =>
    Object.assign(new URL(serverUrl), { pathname: `/${serviceDatabaseName(base, [context])}` }).toString();
  return { ...topology, namespace, carrierWebhookSecret, databaseOf, close };
};
