import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ContextName } from '../app/services/topology';
import { ANONYMOUS, type EdgeAuthenticator } from './edge-auth';
import { type EdgeRateLimits, needsBody, needsCaller, rateLimitRouteConfig } from './edge-rate-limits';
import type { Forwarder } from './forwarder';
import { type ApiDocument, type GatewayRoute, gatewayRoutesOf } from './gateway-routes';
import { UpstreamUnavailable } from './problems';
import { readWholeBody } from './request-body';
import type { Upstream } from './upstreams';

export type ApiRouteParts = {
  upstreams: ReadonlyMap<ContextName, Upstream>;
  auth: EdgeAuthenticator;
  limits: EdgeRateLimits;
  forwarder: Forwarder;
};

type RouteConfig = { gatewayRoute?: GatewayRoute };

/** The API operation a request was routed to; undefined for the gateway's own routes and unknown ones. */
export const gatewayRouteOf = (request: FastifyRequest): GatewayRoute | undefined =>
  (request.routeOptions.config as RouteConfig | undefined)?.gatewayRoute;

/**
 * Serves every operation of the document that a service owns as a route of its own (so unknown routes get the 404
 * the services give, and metrics name route templates): a request's owner must have a service configured, then the
 * edge checks its credentials (on public routes only when a rate limit counts by caller) and counts it against its
 * rate limits (the early half of the limits ran in a hook before), and it is forwarded through the owner's circuit.
 * A login's body is read first, for its email.
 */
export const serveApiRoutes = (fastify: FastifyInstance, document: ApiDocument, parts: ApiRouteParts): void => {
  const handle = async (route: GatewayRoute, request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const upstream = route.owner === 'gateway' ? undefined : parts.upstreams.get(route.owner);
    if (!upstream) throw new UpstreamUnavailable();
    const body = needsBody(route) ? await readWholeBody(request.body, request.headers['content-length']) : undefined;
    const caller = needsCaller(route) ? await parts.auth.callerOf(request, route.isPublic) : ANONYMOUS;
    await parts.limits.countAfterAuthentication(route, request, reply, caller.kind === 'user' ? caller.user : undefined, body);
    await parts.forwarder.forward(request, reply, route, upstream, body);
  };
  for (const route of gatewayRoutesOf(document)) {
    if (route.owner === 'gateway') continue;
    fastify.route({
      method: route.method,
      url: route.url,
      config: { gatewayRoute: route, ...rateLimitRouteConfig(route) },
      // answered as it is forwarded, not by what the handler returns: the answer streams from the service
      handler: (request, reply) => {
        handle(route, request, reply).catch((error: unknown) => {
          if (!reply.sent && !reply.raw.headersSent) void reply.send(error);
        });
      },
    });
  }
};
