import { join } from 'node:path';
import type { Config } from '../../platform/config';
import { isPortFree } from '../../platform/trial-listen';
import { type Child, startChild, waitUntilReady } from './child-process';
import { findNginx, type RunningNginx, startNginx } from './nginx-process';
import { serviceDatabases } from './service-databases';
import { CONTEXTS, type ContextName, contextsOf, FACADES_USED, grpcAddressVariable, SERVES_FACADES, upstreamVariable } from './topology';

const LOOPBACK = '127.0.0.1';
const SERVICE_READY_MS = 180_000;
const GATEWAY_READY_MS = 60_000;
export const GATEWAY_INSTANCES = 2;
/** Per service, unless DB_POOL_SIZE / DB_CONSUMER_POOL_SIZE say otherwise: ten services take at most ~150 connections. */
const SERVICE_POOL_SIZE = 8;
const SERVICE_CONSUMER_POOL_SIZE = 4;
/** What the embedded PostgreSQL of the local topology allows (its default, 100, is one monolith's). */
export const SERVICES_MAX_CONNECTIONS = 300;

/**
 * The services of a local topology from SERVICES (groups separated by spaces or `;`, contexts of one group joined by
 * `+`: "identity catalog ordering+payment ..."); by default one service per context. Every context runs exactly once.
 */
export const servicesOf = (setting: string | undefined): ContextName[][] => {
  const groups = setting?.trim()
    ? setting
        .trim()
        .split(/[\s;]+/)
        .map((group) => contextsOf(group))
    : CONTEXTS.map((c) => [c]);
  const named = groups.flat();
  const missing = CONTEXTS.filter((context) => !named.includes(context));
  if (missing.length > 0) throw new Error(`SERVICES runs no service for ${missing.join(', ')}`);
  if (new Set(named).size !== named.length) throw new Error('SERVICES names a context in two services');
  return groups;
};

/** A free loopback port (one another process of the topology has not been given already). */
const portAllocator = () => {
  const given = new Set<number>();
  let next = 20000 + Math.floor(Math.random() * 20000);
  return async (): Promise<number> => {
    for (;;) {
      next = next >= 60000 ? 20000 : next + 1;
      const candidate = next;
      if (given.has(candidate)) continue;
      given.add(candidate); // claimed before the check: concurrent callers never get the same one
      if (await isPortFree(candidate, LOOPBACK)) return candidate;
    }
  };
};

export type LocalTopology = {
  /** where the public API is served */
  url: string;
  services: Child[];
  gateways: Child[];
  nginx?: RunningNginx;
  /** Makes `stop()` stop `child` too: a process started again, or another instance of a service. */
  adopt(child: Child): void;
  stop(): Promise<void>;
};

export type TopologyOptions = {
  config: Config;
  env: NodeJS.ProcessEnv;
  /** the database server the services' databases are created on */
  serverUrl: string;
  admin?: { email: string; password: string };
  /** directory of the compiled entry points (dist/app) */
  appDir: string;
  /** one line per step, for the person waiting */
  progress: (line: string) => void;
};

/**
 * Starts the services topology on this machine: one process per service, each on its own database, talking over
 * the configured broker and over gRPC; two gateways in front; nginx in front of them on PORT when nginx is
 * installed, else the first gateway on PORT. Stops what it started when a step fails.
 */
export const startLocalTopology = async (options: TopologyOptions): Promise<LocalTopology> => {
  const { config, env, progress } = options;
  const groups = servicesOf(env.SERVICES);
  const databases = await serviceDatabases(groups, options.serverUrl, env);
  const freePort = portAllocator();
  const logDir = join(config.dataDir, 'services', 'logs');
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const child of started.splice(0).reverse()) await child.stop().catch(() => undefined);
  };

  try {
    const placed = await Promise.all(
      groups.map(async (contexts) => ({
        contexts,
        name: contexts.join('+'),
        port: await freePort(),
        grpcPort: contexts.some((c) => SERVES_FACADES.has(c)) ? await freePort() : undefined,
      })),
    );
    const serviceOf = (context: ContextName) => placed.find((service) => service.contexts.includes(context))!;
    const grpcAddresses = Object.fromEntries(
      [...SERVES_FACADES].map((context) => [grpcAddressVariable(context), `${LOOPBACK}:${serviceOf(context).grpcPort}`]),
    );
    const shared: NodeJS.ProcessEnv = {
      // ten processes share one server: smaller pools than one process alone would take (both can be set)
      DB_POOL_SIZE: String(SERVICE_POOL_SIZE),
      DB_CONSUMER_POOL_SIZE: String(SERVICE_CONSUMER_POOL_SIZE),
      ...env,
      ...grpcAddresses,
      JWT_SECRET: config.jwtSecret,
      HOST: LOOPBACK,
      METRICS_PORT: '0',
      // the gateways count requests; a service behind them counting again would halve every limit
      RATE_LIMITS: 'off',
      TRUSTED_PROXIES: LOOPBACK,
      ORDERLY_ADMIN_EMAIL: '',
      ORDERLY_ADMIN_PASSWORD: '',
    };
    const services = placed.map((service) => {
      const needsAdmin = service.contexts.includes('identity') && options.admin;
      return startChild({
        name: service.name,
        script: join(options.appDir, 'service.main.js'),
        args: [service.name],
        url: `http://${LOOPBACK}:${service.port}`,
        logDir,
        env: {
          ...shared,
          PORT: String(service.port),
          DATABASE_URL: databases.get(service.contexts),
          GRPC_PORT: service.grpcPort === undefined ? '' : String(service.grpcPort),
          ...(needsAdmin ? { ORDERLY_ADMIN_EMAIL: options.admin!.email, ORDERLY_ADMIN_PASSWORD: options.admin!.password } : {}),
        },
      });
    });
    started.push(...services);
    progress(`starting ${services.length} services (logs in ${logDir})`);
    await Promise.all(
      services.map(async (service) => {
        const began = Date.now();
        await waitUntilReady(service, '/health/ready', SERVICE_READY_MS);
        progress(`  ${service.name} ready on ${service.url} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
      }),
    );

    const nginxProgram = findNginx(env.PATH);
    const upstreams = Object.fromEntries(
      CONTEXTS.map((context) => [upstreamVariable(context), `http://${LOOPBACK}:${serviceOf(context).port}`]),
    );
    const gatewayPorts = await Promise.all(
      Array.from({ length: GATEWAY_INSTANCES }, async (_, i) => (i === 0 && !nginxProgram ? config.port : await freePort())),
    );
    const gateways = gatewayPorts.map((port, i) =>
      startChild({
        name: `gateway-${i + 1}`,
        script: join(options.appDir, 'gateway.main.js'),
        url: `http://${LOOPBACK}:${port}`,
        logDir,
        env: {
          ...shared,
          ...upstreams,
          PORT: String(port),
          HOST: nginxProgram ? LOOPBACK : config.host,
          TRUSTED_PROXIES: nginxProgram ? LOOPBACK : (env.TRUSTED_PROXIES ?? ''),
          RATE_LIMITS: env.RATE_LIMITS ?? '',
        },
      }),
    );
    started.push(...gateways);
    await Promise.all(gateways.map((gateway) => waitUntilReady(gateway, '/health/ready', GATEWAY_READY_MS)));
    progress(`  ${gateways.length} gateways ready on ${gateways.map((g) => g.url).join(', ')}`);

    let nginx: RunningNginx | undefined;
    if (nginxProgram) {
      nginx = await startNginx({
        program: nginxProgram,
        host: config.host,
        port: config.port,
        gateways: gatewayPorts.map((port) => `${LOOPBACK}:${port}`),
        onOutput: (line) => progress(`  nginx: ${line}`),
      });
      started.push(nginx);
      progress(`  nginx in front of the gateways on ${config.host}:${config.port}`);
    } else {
      progress('  nginx is not installed: the first gateway serves the public port');
    }
    const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? LOOPBACK : config.host}:${config.port}`;
    return { url, services, gateways, nginx, adopt: (child) => void started.push(child), stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** The contexts whose facades a service calls in another process (those it does not run itself). */
export const remoteFacades = (contexts: readonly ContextName[]): ContextName[] =>
  [...new Set(contexts.flatMap((context) => FACADES_USED[context]))].filter((used) => !contexts.includes(used));
