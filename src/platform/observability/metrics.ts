import { collectDefaultMetrics, Counter, Gauge, Histogram, type LabelValues, Registry } from 'prom-client';

/**
 * One series of a counter counted on a hot path: a plain number, added to the counter when the registry is read.
 * prom-client hashes and checks the label values on every `inc`, through a child from `labels()` too (about 150 ns,
 * against a few for a number), so the counts of every request and every appended event wait here for the scrape.
 */
class Tally {
  count = 0;
  constructor(readonly labels: LabelValues<string>) {}
}

/**
 * The Prometheus metrics of one app: every `orderly_*` series of the contract (docs/adr/0033-prometheus-metrics.md),
 * in a registry of its own, so several apps in one process (tests) never count into each other. Label values are
 * bounded: route templates, stream categories, consumer names, outcomes and reasons; never ids, emails or SKUs.
 *
 * Counters and histograms are recorded where things happen (after the transaction that made them commits); the
 * gauges of the platform's state are read when Prometheus scrapes (`MetricsState`), so the hot paths never pay for them.
 * The counters of the hottest paths (appended events, cache lookups) count in plain numbers until a scrape (`Tally`).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly scrapeListeners: (() => void)[] = [];
  private readonly tallies = new Map<Counter<string>, Tally[]>();
  /** appended events by stream category, counted until the next scrape */
  private readonly appended = new Map<string, Tally>();

  readonly httpRequestDuration = new Histogram({
    name: 'orderly_http_request_duration_seconds',
    help: 'API requests by method, route template (unmatched: no route) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly eventsAppended: Counter<'category'> = new Counter({
    name: 'orderly_events_appended_total',
    help: 'Events this process appended to the log, by stream category',
    labelNames: ['category'] as const,
    registers: [this.registry],
    collect: (): void => this.addTallies(this.eventsAppended),
  });

  /** `consumer`: a log consumer's name, or a message-bus subscriber's (a subscriber is a consumer too) */
  readonly consumerRetries = new Counter({
    name: 'orderly_consumer_retries_total',
    help: 'Deliveries to a log consumer or a bus subscriber that failed and will be retried',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  /** Counted as each one is parked; `orderly_dead_letters` (MetricsState) is how many of the log's are parked now. */
  readonly deadLettered = new Counter({
    name: 'orderly_dead_lettered_total',
    help: 'Messages given up on: moved to es.dead_letters by a log consumer, parked in its dead-letter queue by a bus subscriber, or recorded as malformed (never retried) by a subscriber',
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

  readonly cacheRequests: Counter<'cache' | 'result'> = new Counter({
    name: 'orderly_cache_requests_total',
    help: 'Cache lookups, by cache and result (hit, miss)',
    labelNames: ['cache', 'result'] as const,
    registers: [this.registry],
    collect: (): void => this.addTallies(this.cacheRequests),
  });

  /**
   * Starts the retry and dead-letter counts of a log consumer or bus subscriber at zero, as it registers: Prometheus
   * sees no increase in a series that first appears at 1, so its first dead letter would alert no one.
   */
  startConsumerCounts(consumer: string): void {
    this.consumerRetries.inc({ consumer }, 0);
    this.deadLettered.inc({ consumer }, 0);
  }

  /** Counts events appended by this process; call once their transaction has committed. */
  countAppended(events: readonly { stream: string }[]): void {
    let stream: string | undefined;
    let tally: Tally | undefined;
    for (const event of events) {
      // an append writes to one stream, or a few: the category is looked up once per stream
      if (event.stream !== stream) {
        stream = event.stream;
        const category = streamCategory(stream);
        tally = this.appended.get(category);
        if (!tally) this.appended.set(category, (tally = this.tally(this.eventsAppended, { category })));
      }
      tally!.count += 1;
    }
  }

  /** What counts one cache's lookups (`orderly_cache_requests_total`): bound once, called on every lookup. */
  cacheLookups(cache: string): (hit: boolean) => void {
    const hits = this.tally(this.cacheRequests, { cache, result: 'hit' });
    const misses = this.tally(this.cacheRequests, { cache, result: 'miss' });
    return (hit) => void ((hit ? hits : misses).count += 1);
  }

  /** A series of `counter` counted in a plain number until the registry is read. */
  private tally(counter: Counter<string>, labels: LabelValues<string>): Tally {
    const tally = new Tally(labels);
    const tallies = this.tallies.get(counter);
    if (tallies) tallies.push(tally);
    else this.tallies.set(counter, [tally]);
    return tally;
  }

  /** Adds what was counted since the last read to `counter`: one `inc` per series. */
  private addTallies(counter: Counter<string>): void {
    for (const tally of this.tallies.get(counter) ?? []) {
      if (tally.count === 0) continue;
      counter.inc(tally.labels, tally.count);
      tally.count = 0;
    }
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
