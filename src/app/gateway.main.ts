import type { Redis } from 'ioredis';
import { createGateway, type Gateway } from '../gateway/gateway-server';
import { loadGatewaySettings } from '../gateway/gateway-settings';
import { Config } from '../platform/config';
import { AppLogger } from '../platform/observability/logger';
import { closeRedis, connectRedis } from '../platform/redis';
import { trialListen } from '../platform/trial-listen';
import { GrpcApiKeyAuthenticator } from '../contexts/identity/infrastructure/grpc.api-key-authenticator';
import { GrpcRevokedSessions } from '../contexts/identity/infrastructure/grpc.revoked-sessions';
import { chooseMetricsPort } from './metrics-port';
import { grpcAddressVariable } from './services/topology';
import { buildMonolithOpenApiDocument } from './openapi-document';
import { configOrExit, type ListenSettings, runMain } from './startup-failure';
import { stopOnSignals } from './stop-on-signals';

/** Identity's API keys and ended sessions, asked over gRPC (IDENTITY_GRPC_ADDRESS): credentials are checked at the edge. */
const identityClients = (config: Config) => {
  const address = process.env[grpcAddressVariable('identity')]?.trim();
  return address
    ? {
        apiKeys: new GrpcApiKeyAuthenticator(address, config.grpcClient),
        revokedSessions: new GrpcRevokedSessions(address, config.grpcClient),
      }
    : { apiKeys: null, revokedSessions: null };
};

/** The settings of the ports the gateway listens on, once read: a port that is taken is told by the setting to change. */
let listening: ListenSettings = {};

/**
 * The API gateway of the services topology (`node dist/app/gateway.main.js`): the only public entry, in a process of
 * its own, forwarding each route of the API to the service that owns it (UPSTREAM_<CONTEXT>). The OpenAPI document
 * it routes by and serves is built at start, as the monolith builds it, without a database or a server. SIGINT and
 * SIGTERM stop it after the requests in flight.
 */
const main = async (): Promise<void> => {
  let settings = configOrExit(() => loadGatewaySettings(process.env), 'orderly-gateway');
  const shared = settings.shared;
  const logger = AppLogger.create(shared.logLevel, undefined, 'orderly-gateway');
  listening = { PORT: shared.port, METRICS_PORT: shared.metricsPort };
  await trialListen(shared.port, shared.host);
  const metricsPort = await chooseMetricsPort(shared);
  settings = { ...settings, shared: new Config({ ...shared, metricsPort: metricsPort.port }) };
  if (metricsPort.instead !== undefined)
    logger.warn(`port ${metricsPort.instead} of the metrics server is taken: a free port serves /metrics instead`);

  const document = await buildMonolithOpenApiDocument();
  const redis: Redis | null = shared.redisUrl ? await connectRedis(shared.redisUrl, shared.redisCommandTimeoutMs, logger) : null;
  const identity = identityClients(shared);
  let gateway: Gateway;
  try {
    gateway = await createGateway({ settings, document, logger, redis, ...identity });
  } catch (error) {
    if (redis) await closeRedis(redis);
    throw error;
  }
  if (!process.env[grpcAddressVariable('identity')]?.trim()) {
    logger.warn(`${grpcAddressVariable('identity')} is not set: API keys and ended sessions are checked by the services only`);
  }

  stopOnSignals(logger, async () => {
    await gateway.close();
    identity.apiKeys?.onApplicationShutdown();
    identity.revokedSessions?.onApplicationShutdown();
    if (redis) await closeRedis(redis);
  });

  const url = await gateway.listen();
  const metrics = gateway.metricsAddress();
  logger.info('gateway listening', { url, metrics: metrics ? `http://${metrics.host}:${metrics.port}/metrics` : 'off' });
};

runMain(main, { prefix: 'orderly-gateway', fatal: 'the gateway failed to start', listening: () => listening });
