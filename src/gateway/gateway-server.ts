import replyFrom from '@fastify/reply-from';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { CONTEXTS, type ContextName, upstreamVariable } from '../app/services/topology';
import { AccessTokens } from '../platform/http/access-tokens';
import type { ApiKeyAuthenticator } from '../platform/http/api-keys';
import { installHttpHooks, installSecurityHeaders } from '../platform/http/http-hooks';
import { createHttpAdapter } from '../platform/http/http-server';
import { RateLimitExceeded, RateLimits } from '../platform/http/rate-limits';
import type { RevokedSessions } from '../platform/http/revoked-sessions';
import type { AppLogger } from '../platform/observability/logger';
import { Metrics } from '../platform/observability/metrics';
import { observeHttpRequests } from '../platform/observability/metrics.http';
import { MetricsServer } from '../platform/observability/metrics.server';
import { type Clock, SystemClock } from '../shared-kernel/clock';
import { gatewayRouteOf, serveApiRoutes } from './api-routes';
import { EdgeAuthenticator } from './edge-auth';
import { EdgeRateLimits } from './edge-rate-limits';
import { Forwarder } from './forwarder';
import { GatewayMetrics } from './gateway-metrics';
import type { ApiDocument } from './gateway-routes';
import type { GatewaySettings } from './gateway-settings';
import { serveHealth } from './health';
import { serveOpenApiDocument } from './openapi-docs';
import { installProblemHandlers } from './problems';
import { Upstream } from './upstreams';

/** What a gateway is built from. The identity ports are constructor dependencies: the gateway runs no identity. */
export type GatewayDependencies = {
  settings: GatewaySettings;
  /** The monolith's OpenAPI document: the gateway serves its operations, each from its owner, and serves it whole. */
  document: ApiDocument;
  logger: AppLogger;
  /** Where the rate limits are counted, shared by every gateway instance; null: in this process alone. */
  redis: Redis | null;
  /** Identity's API key lookup; null: keys are not checked at the edge, only by the services. */
  apiKeys: ApiKeyAuthenticator | null;
  /** Identity's list of ended sessions; null: access tokens are checked at the edge by signature and expiry alone. */
  revokedSessions: RevokedSessions | null;
  clock?: Clock;
};

export type Gateway = {
  fastify: FastifyInstance;
  metrics: Metrics;
  /** Starts the metrics server and listens on the settings' HOST and PORT; resolves with the base URL. */
  listen(): Promise<string>;
  /** Where `/metrics` is served, once listening (METRICS_PORT=0: the port chosen); undefined without a metrics server. */
  metricsAddress(): { host: string; port: number } | undefined;
  /** Stops taking requests, lets those in flight finish (at most DRAIN_MS), closes the metrics server. */
  close(): Promise<void>;
};

const CIRCUIT_MEANING = {
  open: 'its routes are refused with 503 until the cooldown has passed',
  'half-open': 'one trial request goes through, the others are refused',
};

/** How long requests in flight get to finish at shutdown before their connections are closed. */
const DRAIN_MS = 10_000;

/** What an operator needs to know at start: where the rate limits are counted, which services have no address. */
const reportStart = ({ settings, redis }: GatewayDependencies, logger: AppLogger): void => {
  if (!settings.shared.rateLimits.enabled) logger.warn('RATE_LIMITS=off: no request is rate limited');
  else if (redis) logger.info('rate limits are counted in Redis, shared by every gateway instance');
  else logger.warn('REDIS_URL is not set: rate limits are counted in this process alone, so each gateway instance allows them anew');
  const missing = CONTEXTS.filter((context) => !settings.upstreams[context]);
  if (missing.length > 0)
    logger.warn(`no service configured for ${missing.join(', ')}: their routes answer 503`, { settings: missing.map(upstreamVariable) });
};

/**
 * The API gateway: one Fastify server, the only public entry of the services topology. Each operation of the API is
 * a route of its own, forwarded to the service that owns it (route-table.ts) once the edge has checked the caller's
 * credentials (edge-auth.ts) and counted the request against its rate limits (edge-rate-limits.ts), through that
 * service's circuit breaker (upstreams.ts). Everything else is answered as the monolith answers it: the OpenAPI
 * document and Swagger UI, problem+json for every error, 404 for unknown routes; and its own health probes.
 */
export const createGateway = async (deps: GatewayDependencies): Promise<Gateway> => {
  const { settings } = deps;
  const logger = deps.logger.child({ component: 'gateway' });
  const shared = settings.shared;
  const fastify = createHttpAdapter(shared).getInstance() as unknown as FastifyInstance;
  const metrics = new Metrics();
  const upstreams = new Map<ContextName, Upstream>();
  const gatewayMetrics = new GatewayMetrics(metrics, () => upstreams.values());
  for (const [context, baseUrl] of Object.entries(settings.upstreams) as [ContextName, string][]) {
    upstreams.set(
      context,
      new Upstream(context, baseUrl, settings.breaker, (upstream, circuit) => {
        const fields = { upstream: upstream.context, circuit };
        if (circuit === 'closed') logger.info(`the circuit of ${upstream.context} closed: its routes are served again`, fields);
        else logger.warn(`the circuit of ${upstream.context} is ${circuit}: ${CIRCUIT_MEANING[circuit]}`, fields);
      }),
    );
  }
  const limits = new RateLimits(shared, deps.redis);
  const edgeLimits = new EdgeRateLimits(limits);
  const tokens = new AccessTokens(shared, deps.clock ?? new SystemClock(), deps.revokedSessions ?? undefined, metrics);
  const auth = new EdgeAuthenticator(tokens, deps.apiKeys);
  const forwarder = new Forwarder(settings.timeouts);

  installSecurityHeaders(fastify);
  installHttpHooks(fastify, { logger, rateLimits: limits, countedPerAddress: 'rate limits' });
  observeHttpRequests(fastify, metrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = gatewayRouteOf(request);
    if (route) gatewayMetrics.upstreamRequests.inc({ upstream: route.owner, status: String(reply.statusCode) });
    done();
  });
  installProblemHandlers(fastify, logger, (error) => {
    if (error instanceof RateLimitExceeded) gatewayMetrics.rateLimited.inc({ policy: String(error.details.policy) });
  });
  // bodies stream through unread: whatever their type, the service parses (and limits) them
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  // reply-from turns undici's certificate checks off by default: an https service must prove who it is
  await fastify.register(replyFrom, { disableCache: true, undici: { connect: { rejectUnauthorized: true } } });

  serveHealth(fastify, deps.redis);
  serveOpenApiDocument(fastify, deps.document);

  serveApiRoutes(fastify, deps.document, { upstreams, auth, limits: edgeLimits, forwarder });
  await fastify.ready();
  reportStart(deps, logger);

  const metricsServer = new MetricsServer(metrics, {
    host: shared.host,
    port: shared.metricsPort,
    logger: deps.logger.child({ component: 'metrics' }),
  });
  return {
    fastify,
    metrics,
    listen: async () => {
      await metricsServer.start();
      const address = fastify.server.listening ? undefined : await fastify.listen({ port: shared.port, host: shared.host });
      return address ?? `http://${shared.host}:${shared.port}`;
    },
    metricsAddress: () => metricsServer.address(),
    close: async () => {
      const drained = setTimeout(() => fastify.server.closeAllConnections(), DRAIN_MS);
      try {
        await fastify.close();
      } finally {
        clearTimeout(drained);
        await metricsServer.stop();
      }
    },
  };
};
