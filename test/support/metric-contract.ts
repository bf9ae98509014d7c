import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The metrics Orderly exports, as promised to the dashboards and alerts in deploy/ (and listed in deploy/README.md).
 * Renaming a metric or a label in the app means renaming it here and in deploy/: the deploy specs check that every
 * PromQL expression there names only these series and labels.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';
export type ContractMetric = { name: string; type: MetricType; labels: readonly string[] };

export const ORDERLY_METRICS: readonly ContractMetric[] = [
  { name: 'orderly_http_request_duration_seconds', type: 'histogram', labels: ['method', 'route', 'status'] },
  { name: 'orderly_events_appended_total', type: 'counter', labels: ['category'] },
  { name: 'orderly_consumer_lag_events', type: 'gauge', labels: ['consumer'] },
  { name: 'orderly_consumer_oldest_unprocessed_age_seconds', type: 'gauge', labels: ['consumer'] },
  { name: 'orderly_consumer_retries_total', type: 'counter', labels: ['consumer'] },
  { name: 'orderly_dead_letters', type: 'gauge', labels: ['consumer'] },
  { name: 'orderly_dead_lettered_total', type: 'counter', labels: ['consumer'] },
  { name: 'orderly_outbox_backlog_events', type: 'gauge', labels: [] },
  { name: 'orderly_scheduler_due_messages', type: 'gauge', labels: [] },
  { name: 'orderly_checkouts_total', type: 'counter', labels: ['outcome', 'reason'] },
  { name: 'orderly_checkout_duration_seconds', type: 'histogram', labels: ['outcome'] },
  { name: 'orderly_order_revenue_minor_total', type: 'counter', labels: ['currency'] },
  { name: 'orderly_stock_reservations_rejected_total', type: 'counter', labels: ['reason'] },
  { name: 'orderly_payment_provider_duration_seconds', type: 'histogram', labels: ['operation', 'outcome'] },
  { name: 'orderly_cache_requests_total', type: 'counter', labels: ['cache', 'result'] },
  { name: 'orderly_db_pool_connections', type: 'gauge', labels: ['state'] },
  { name: 'orderly_ready', type: 'gauge', labels: [] },
  { name: 'orderly_metrics_collection_errors_total', type: 'counter', labels: ['query'] },
];

/** Labels Prometheus attaches to every scraped series. */
export const TARGET_LABELS = ['job', 'instance'] as const;

/** A series name a query may select, the contract metric it comes from, and the labels it carries. */
export type KnownSeries = { metric: string; labels: ReadonlySet<string> };

const HISTOGRAM_SERIES = [
  { suffix: '_bucket', extraLabels: ['le'] },
  { suffix: '_sum', extraLabels: [] },
  { suffix: '_count', extraLabels: [] },
];

const seriesOf = (metric: string, type: string, labels: readonly string[]): [string, KnownSeries][] => {
  const withTarget = (extra: readonly string[]) => new Set([...labels, ...extra, ...TARGET_LABELS]);
  if (type !== 'histogram') return [[metric, { metric, labels: withTarget([]) }]];
  return HISTOGRAM_SERIES.map(({ suffix, extraLabels }) => [`${metric}${suffix}`, { metric, labels: withTarget(extraLabels) }]);
};

/** Node's default metrics (`process_*`, `nodejs_*`) as the installed prom-client exports them, with their labels. */
const nodeDefaultSeries = async (): Promise<[string, KnownSeries][]> => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = await registry.getMetricsAsJSON();
  return metrics.flatMap(({ name, type, values }) => {
    const labels = [...new Set(values.flatMap((value) => Object.keys(value.labels)))].filter((label) => label !== 'le');
    return seriesOf(name, String(type), labels);
  });
};

/**
 * Every series a dashboard or alert may query: the contract's metrics (a histogram as its `_bucket`, `_sum` and
 * `_count` series), Node's default metrics, and Prometheus's own `up`.
 */
export const knownSeries = async (): Promise<ReadonlyMap<string, KnownSeries>> =>
  new Map([
    ...ORDERLY_METRICS.flatMap(({ name, type, labels }) => seriesOf(name, type, labels)),
    ...(await nodeDefaultSeries()),
    ['up', { metric: 'up', labels: new Set(TARGET_LABELS) }],
  ]);
