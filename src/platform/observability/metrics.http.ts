import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics';

/** What the router matched no route for (404s, URLs it refused): one series, whatever the URL was. */
export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every API request into `orderly_http_request_duration_seconds`, errors and 404s included: a Fastify
 * onResponse hook, labelled by the route template (`/api/v1/orders/:id`, never the URL, which carries ids) and status.
 * Requests answered early (a rate limit's 429, the catalog's read cache) are counted under their route too.
 */
export const observeHttpRequests = (fastify: FastifyInstance, metrics: Metrics): void => {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequestDuration.observe(
      {
        method: METHODS.has(request.method) ? request.method : 'other',
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
};
