import { describe, expect, it } from 'vitest';
import { Metrics } from '../src/platform/observability/metrics';
import { MetricsState, type MetricsStateSources } from '../src/platform/observability/metrics.state';
import { type ContractMetric, ORDERLY_METRICS } from './support/metric-contract';

/**
 * The dashboards and alerts in deploy/ are checked against test/support/metric-contract.ts; this holds the contract
 * to what the app really registers, so a metric or label renamed on one side only fails a test.
 */
const byName = (metrics: ContractMetric[]) => metrics.toSorted((a, b) => a.name.localeCompare(b.name));

describe('the metric contract', () => {
  it('is exactly what the app registers: every orderly_ metric, its type and its labels', () => {
    const metrics = new Metrics();
    // the state gauges register when it is built and read their sources only when Prometheus scrapes: none is read here
    new MetricsState(metrics, {} as MetricsStateSources);

    const registered = metrics.registry.getMetricsAsArray().map((metric) => ({
      name: metric.name,
      type: String(metric.type) as ContractMetric['type'],
      labels: [...(metric as unknown as { labelNames: string[] }).labelNames].sort(),
    }));
    const promised = ORDERLY_METRICS.map(({ name, type, labels }) => ({ name, type, labels: [...labels].sort() }));
    expect(byName(registered)).toEqual(byName(promised));
  });
});
