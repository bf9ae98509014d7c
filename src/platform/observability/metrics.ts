import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one app: every `orderly_*` series of the contract (docs/adr/0033-prometheus-metrics.md),
 * in a registry of its own, so several apps in one process (tests) never count into each other. Label values are
 * bounded: route templates, stream categories, consumer names, outcomes and reasons; never ids, emails or SKUs.
 *
 * Counters and histograms are recorded where things happen (after the transaction that made them commits); the
 * gauges of the platform's state are read when Prometheus scrapes (`MetricsState`), so the hot paths never pay for them.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly scrapeListeners: (() => void)[] = [];

  readonly httpRequestDuration = new Histogram({
    name: 'orderly_http_request_duration_seconds',
    help: 'API requests by method, route template (unmatched: no route) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly eventsAppended = new Counter({
    name: 'orderly_events_appended_total',
    help: 'Events this process appended to the log, by stream category',
    labelNames: ['category'] as const,
    registers: [this.registry],
  });

  readonly consumerRetries = new Counter({
    name: 'orderly_consumer_retries_total',
    help: 'Deliveries to a log consumer that failed and will be retried',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  readonly checkouts = new Counter({
    name: 'orderly_checkouts_total',
    help: 'Checkouts that ended, by outcome and cancellation reason (none when confirmed)',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });

  readonly checkoutDuration = new Histogram({
    name: 'orderly_checkout_duration_seconds',
    help: 'From the order placed to its checkout confirmed or cancelled',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });

  readonly orderRevenueMinor = new Counter({
    name: 'orderly_order_revenue_minor_total',
    help: "Confirmed orders' totals in minor units (cents), by currency",
    labelNames: ['currency'] as const,
    registers: [this.registry],
  });

  readonly stockReservationsRejected = new Counter({
    name: 'orderly_stock_reservations_rejected_total',
    help: 'Stock reservations inventory refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly paymentProviderDuration = new Histogram({
    name: 'orderly_payment_provider_duration_seconds',
    help: 'Calls of the payment provider, by operation and outcome (ok, refused, error, timeout)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly cacheRequests = new Counter({
    name: 'orderly_cache_requests_total',
    help: 'Cache lookups, by cache and result (hit, miss)',
    labelNames: ['cache', 'result'] as const,
    registers: [this.registry],
  });

  /** Counts events appended by this process; call once their transaction has committed. */
  countAppended(events: readonly { stream: string }[]): void {
    for (const { stream } of events) this.eventsAppended.inc({ category: streamCategory(stream) });
  }

  cacheLookup(cache: string, hit: boolean): void {
    this.cacheRequests.inc({ cache, result: hit ? 'hit' : 'miss' });
  }

  /** A gauge of this app whose value `collect` sets when Prometheus scrapes. */
  scrapedGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        return collect(this);
      },
    });
  }

  /** Calls `listener` as each scrape begins (before any gauge is collected): e.g. to forget the last scrape's reads. */
  onScrape(listener: () => void): void {
    this.scrapeListeners.push(listener);
  }

  /** The exposition Prometheus scrapes: this app's metrics and the process's (Node's default metrics). */
  async exposition(): Promise<{ contentType: string; body: string }> {
    for (const listener of this.scrapeListeners) listener();
    const merged = Registry.merge([this.registry, processRegistry()]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}

/** The stream's category: its name before the first `-` (`ordering.order-0190…` → `ordering.order`), never its id. */
export const streamCategory = (stream: string): string => {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
};

let processMetrics: Registry | undefined;

/**
 * Node's default metrics (`process_*`, `nodejs_*`) describe the process, not an app: collected once per process in a
 * registry of their own (not prom-client's global one), and shown by every app it runs. Collecting them per app would
 * start an event-loop monitor and a GC observer per app, which nothing stops when the app closes.
 */
const processRegistry = (): Registry => {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
};
