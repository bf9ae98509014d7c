import { Counter } from 'prom-client';
import type { Metrics } from '../platform/observability/metrics';
import type { CircuitName, Upstream } from './upstreams';

/** The circuit gauge's values: ordered by severity, so `max()` over instances reads the worst. */
const CIRCUIT_VALUES: Record<CircuitName, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The gateway's own series, next to the platform's in the app's registry (`orderly_http_request_duration_seconds`
 * by route template, `orderly_cache_requests_total` of verified access tokens), served on METRICS_PORT:
 * - `orderly_gateway_upstream_requests_total{upstream, status}`: answers to requests for each service's routes, the
 *   gateway's own refusals included (401, 429, 503, 504);
 * - `orderly_gateway_circuit_state{upstream}`: 0 closed, 1 half-open, 2 open, read when Prometheus scrapes;
 * - `orderly_gateway_rate_limited_total{policy}`: requests refused with 429, by rate-limit policy.
 */
export class GatewayMetrics {
  readonly upstreamRequests: Counter<'upstream' | 'status'>;
  readonly rateLimited: Counter<'policy'>;

  constructor(
    readonly metrics: Metrics,
    upstreams: () => Iterable<Upstream>,
  ) {
    this.upstreamRequests = new Counter({
      name: 'orderly_gateway_upstream_requests_total',
      help: "Answers to requests for a service's routes, by service (upstream) and status, the gateway's own included",
      labelNames: ['upstream', 'status'] as const,
      registers: [metrics.registry],
    });
    this.rateLimited = new Counter({
      name: 'orderly_gateway_rate_limited_total',
      help: 'Requests the gateway refused with 429, by rate-limit policy',
      labelNames: ['policy'] as const,
      registers: [metrics.registry],
    });
    metrics.scrapedGauge(
      'orderly_gateway_circuit_state',
      "Each service's circuit breaker: 0 closed, 1 half-open (a trial request is let through), 2 open (requests refused)",
      ['upstream'],
      (gauge) => {
        for (const upstream of upstreams()) gauge.set({ upstream: upstream.context }, CIRCUIT_VALUES[upstream.circuit]);
      },
    );
  }
}
