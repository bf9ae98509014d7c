import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics';

/** What the router matched no route for (404s, URLs it refused): one series, whatever the URL was. */
export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type Observer = { observe: (seconds: number) => void };

/**
 * Times every API request into `orderly_http_request_duration_seconds`, errors and 404s included: a Fastify
 * onResponse hook, labelled by the route template (`/api/v1/orders/:id`, never the URL, which carries ids) and status.
 * Requests answered early (a rate limit's 429, the catalog's read cache) are counted under their route too. Each
 * method, route and status gets its histogram child once, kept by a key of the three (as bounded as the series), so
 * a request builds no label object.
 */
export const observeHttpRequests = (fastify: FastifyInstance, metrics: Metrics): void => {
  const series = new Map<string, Observer>();
  fastify.addHook('onResponse', (request, reply, done) => {
    const method = METHODS.has(request.method) ? request.method : 'other';
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = reply.statusCode;
    const key = `${method} ${status} ${route}`;
    let observer = series.get(key);
    if (!observer) series.set(key, (observer = metrics.httpRequestDuration.labels(method, route, String(status))));
    observer.observe(reply.elapsedTime / 1000);
    done();
  });
};
