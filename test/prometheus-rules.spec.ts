import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KnownSeries, knownSeries } from './support/metric-contract';
import { namesIn } from './support/promql-names';
import { promtool, runsPromtool } from './support/promtool';
import { alertRules, alertTestCases, inputSeries, PROMETHEUS_DIR, readPrometheusFile } from './support/prometheus-rule-files';

/**
 * deploy/prometheus: the alert rules, their promtool unit tests and the example scrape configuration. promtool
 * parses and runs them; this spec also holds them to the metric contract and to the conventions operators rely on
 * (a severity, a summary, a description and a runbook hint on every alert; a firing and a quiet test for each).
 */
const rulesText = readPrometheusFile('alerts.yml');
const testsText = readPrometheusFile('alerts.test.yml');
const rules = alertRules(rulesText);
const cases = alertTestCases(testsText);

let series: ReadonlyMap<string, KnownSeries>;
beforeAll(async () => {
  series = await knownSeries();
});

/** what a selector names that the app does not export (empty when nothing) */
const unknownNames = (expr: string): string[] =>
  namesIn(expr).selectors.flatMap(({ metric, matcherLabels }) => {
    const known = series.get(metric);
    if (!known) return [`${metric} is not a metric of the contract`];
    return matcherLabels.filter((label) => !known.labels.has(label)).map((label) => `${metric} has no label ${label}`);
  });

describe('Prometheus alert rules (deploy/prometheus/alerts.yml)', () => {
  it('are one group, orderly, and every alert in it was read', () => {
    expect([...rulesText.matchAll(/^[ \t]*- name:\s*(\S+)[ \t]*$/gm)].map(([, name]) => name)).toEqual(['orderly']);
    expect(rules.length).toBe([...rulesText.matchAll(/^[ \t]*- alert:/gm)].length);
    expect(rules.map(({ alert }) => alert)).toEqual(
      expect.arrayContaining([
        'OrderlyDown',
        'OrderlyNotReady',
        'OrderlyDeadLetters',
        'OrderlyConsumerLagGrowing',
        'OrderlyConsumerStalled',
        'OrderlyOutboxBacklogGrowing',
        'OrderlyMetricsStale',
        'OrderlyCheckoutFailureRatioHigh',
        'OrderlyHttpLatencyHigh',
        'OrderlyHttpServerErrors',
      ]),
    );
    expect(new Set(rules.map(({ alert }) => alert)).size).toBe(rules.length);
  });

  it.each(rules)('$alert has a severity, a summary, a description and a runbook hint', ({ labels, annotations, expr }) => {
    expect(expr).not.toBe('');
    expect(['critical', 'warning']).toContain(labels.severity);
    expect(annotations.summary).toBeTruthy();
    expect(annotations.description).toBeTruthy();
    expect(annotations.runbook).toContain('Operating Orderly');
  });

  it('query only the metrics and labels of the contract', () => {
    expect(rules.flatMap(({ alert, expr }) => unknownNames(expr).map((problem) => `${alert}: ${problem}`))).toEqual([]);
  });

  it('are unit tested with series of the contract, each alert firing in one case and quiet in another', () => {
    expect(inputSeries(testsText).flatMap((input) => unknownNames(input).map((problem) => `${input}: ${problem}`))).toEqual([]);
    for (const { alert } of rules) {
      expect(cases, alert).toContainEqual({ alertname: alert, fires: true });
      expect(cases, alert).toContainEqual({ alertname: alert, fires: false });
    }
    expect(cases.filter(({ alertname }) => !rules.some(({ alert }) => alert === alertname))).toEqual([]);
  });
});

describe.skipIf(!runsPromtool)('deploy/prometheus, checked by promtool', () => {
  it('promtool check rules accepts alerts.yml', () => {
    const { status, output } = promtool('check', 'rules', join(PROMETHEUS_DIR, 'alerts.yml'));
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(status, output).toBe(0);
  });

  it('promtool test rules passes alerts.test.yml', () => {
    const { status, output } = promtool('test', 'rules', join(PROMETHEUS_DIR, 'alerts.test.yml'));
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('promtool check config accepts prometheus.yml, which loads the alerts', () => {
    const { status, output } = promtool('check', 'config', join(PROMETHEUS_DIR, 'prometheus.yml'));
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(status, output).toBe(0);
  });
});
