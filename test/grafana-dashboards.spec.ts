import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPanels, type Dashboard, interpolate, isRow, loadDashboards, type Panel, variableSelector } from './support/grafana-dashboards';
import { type KnownSeries, knownSeries, ORDERLY_METRICS, TARGET_LABELS } from './support/metric-contract';
import { namesIn } from './support/promql-names';
import { promtool, runsPromtool } from './support/promtool';

/**
 * The Grafana dashboards in deploy/grafana: well-formed for Grafana 10/11, importable anywhere (the data source is a
 * variable), every query on a metric and labels the app exports (a renamed metric fails here), and every query
 * valid PromQL: promtool parses each one as a recording rule of a generated rule file.
 */
const dashboards = loadDashboards();
const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };

const dataPanels = (dashboard: Dashboard): Panel[] => allPanels(dashboard).filter((panel) => !isRow(panel));
const queriesOf = (dashboard: Dashboard) =>
  dataPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel,
      target,
      expr: interpolate(target.expr ?? '', dashboard.templating.list),
    })),
  );

let series: ReadonlyMap<string, KnownSeries>;
beforeAll(async () => {
  series = await knownSeries();
});

/** What is wrong with the names in one expression (empty when nothing is). */
const nameProblems = (expr: string, legendFormat = ''): string[] => {
  const { selectors, groupingLabels } = namesIn(expr);
  const problems: string[] = [];
  const labelsInExpr = new Set<string>(TARGET_LABELS);
  if (selectors.length === 0) problems.push('selects no metric');
  for (const { metric, matcherLabels } of selectors) {
    const known = series.get(metric);
    if (!known) {
      problems.push(`${metric} is not a metric of the contract (nor a histogram series of one, a Node default or up)`);
      continue;
    }
    for (const label of known.labels) labelsInExpr.add(label);
    for (const label of matcherLabels) if (!known.labels.has(label)) problems.push(`${metric} has no label ${label}`);
  }
  for (const label of groupingLabels) if (!labelsInExpr.has(label)) problems.push(`no series here has the label ${label}`);
  for (const [, label] of legendFormat.matchAll(/\{\{\s*(\w+)\s*\}\}/g))
    if (!labelsInExpr.has(label)) problems.push(`the legend names ${label}, a label no series here has`);
  return problems;
};

describe('Grafana dashboards', () => {
  it('are the shop, pipeline and HTTP dashboards, each with its own uid', () => {
    expect(dashboards.map(({ file }) => file)).toEqual(['orderly-http.json', 'orderly-pipeline.json', 'orderly-shop.json']);
    const uids = dashboards.map(({ dashboard }) => dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  describe.each(dashboards)('$file', ({ dashboard }) => {
    it('is tagged orderly, refreshes every 30 s and uses the Grafana 10/11 schema', () => {
      expect(dashboard.uid).toMatch(/^orderly-[a-z-]+$/);
      expect(dashboard.title).toMatch(/^Orderly \/ /);
      expect(dashboard.tags).toContain('orderly');
      expect(dashboard.refresh).toBe('30s');
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(37);
    });

    it('takes its Prometheus data source from the DS_PROMETHEUS variable, so it imports anywhere', () => {
      expect(dashboard.templating.list).toContainEqual(
        expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', query: 'prometheus' }),
      );
      for (const variable of dashboard.templating.list.filter(({ type }) => type === 'query'))
        expect(variable.datasource).toEqual(DATASOURCE);
    });

    it('numbers its panels uniquely', () => {
      const ids = allPanels(dashboard).map((panel) => panel.id);
      expect(ids.every((id) => Number.isInteger(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('gives every panel the data source variable and at least one query, each with its own refId', () => {
      for (const panel of dataPanels(dashboard)) {
        expect(panel.datasource, panel.title).toEqual(DATASOURCE);
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          expect(target.datasource, panel.title).toEqual(DATASOURCE);
          expect(target.expr?.trim(), panel.title).toBeTruthy();
        }
        const refIds = (panel.targets ?? []).map((target) => target.refId);
        expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      }
    });

    it('lays its panels out on the 24-column grid without overlaps', () => {
      const placed = allPanels(dashboard).map((panel) => ({ title: panel.title, ...panel.gridPos! }));
      for (const [index, a] of placed.entries()) {
        expect(a.x >= 0 && a.w > 0 && a.h > 0 && a.x + a.w <= 24, a.title).toBe(true);
        for (const b of placed.slice(index + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false);
        }
      }
    });

    it('queries only the metrics and labels of the contract', () => {
      const problems = queriesOf(dashboard).flatMap(({ panel, target, expr }) =>
        nameProblems(expr, target.legendFormat).map((problem) => `${panel.title} (${target.refId}): ${problem}`),
      );
      for (const variable of dashboard.templating.list.filter(({ type }) => type === 'query')) {
        const selector = variableSelector(variable);
        if (!selector) problems.push(`variable ${variable.name}: not a label_values(selector, label) query`);
        else problems.push(...nameProblems(selector).map((problem) => `variable ${variable.name}: ${problem}`));
      }
      expect(problems).toEqual([]);
    });
  });

  it('show every metric of the contract somewhere', () => {
    const used = new Set(
      dashboards.flatMap(({ dashboard }) =>
        queriesOf(dashboard).flatMap(({ expr }) => namesIn(expr).selectors.map(({ metric }) => series.get(metric)?.metric)),
      ),
    );
    expect(ORDERLY_METRICS.map(({ name }) => name).filter((name) => !used.has(name))).toEqual([]);
  });

  it('turn the dead-letter stat red from the first dead letter', () => {
    const pipeline = dashboards.find(({ dashboard }) => dashboard.uid === 'orderly-pipeline')!.dashboard;
    const deadLetters = dataPanels(pipeline).find((panel) => panel.type === 'stat' && panel.title === 'Dead letters')!;
    expect(deadLetters.targets?.[0].expr).toContain('orderly_dead_letters');
    expect(deadLetters.fieldConfig?.defaults?.thresholds?.steps).toEqual([
      { color: 'green', value: null },
      { color: 'red', value: 1 },
    ]);
  });
});

describe.skipIf(!runsPromtool)('Grafana dashboard queries, parsed by promtool', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orderly-dashboards-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(dashboards)('$file: every query is valid PromQL', ({ file, dashboard }) => {
    // promtool checks PromQL only in rule files: each query becomes a recording rule (JSON is YAML to promtool)
    const rules = queriesOf(dashboard).map(({ panel, target, expr }) => ({
      record: `dashboard:${dashboard.uid.replaceAll('-', '_')}:panel_${panel.id}_${target.refId}`,
      expr,
    }));
    const ruleFile = join(dir, file.replace(/\.json$/, '.rules.yml'));
    writeFileSync(ruleFile, JSON.stringify({ groups: [{ name: dashboard.uid, rules }] }, null, 2));

    const { status, output } = promtool('check', 'rules', ruleFile);
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(status, output).toBe(0);
  });
});
