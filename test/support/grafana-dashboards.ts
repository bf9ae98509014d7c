import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of Grafana's dashboard model (schema 39, Grafana 10 and 11) the deploy specs look at. */
export type DataSourceRef = { type?: string; uid?: string };
export type Target = { refId?: string; expr?: string; legendFormat?: string; datasource?: DataSourceRef };
export type Threshold = { color: string; value: number | null };
export type Panel = {
  id?: number;
  type: string;
  title?: string;
  datasource?: DataSourceRef;
  targets?: Target[];
  gridPos?: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { thresholds?: { mode?: string; steps?: Threshold[] } } };
  /** the panels of a collapsed row */
  panels?: Panel[];
};
export type TemplateVariable = {
  name: string;
  type: string;
  query?: string | { query?: string };
  allValue?: string;
  datasource?: DataSourceRef;
};
export type Dashboard = {
  uid: string;
  title: string;
  tags: string[];
  refresh: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
};

export const GRAFANA_DIR = join(process.cwd(), 'deploy', 'grafana');

/** Every dashboard in deploy/grafana, by file name. */
export const loadDashboards = (): { file: string; dashboard: Dashboard }[] =>
  readdirSync(GRAFANA_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(GRAFANA_DIR, file), 'utf8')) as Dashboard }));

/** Panels in the order they appear, a collapsed row's own panels after the row. */
export const allPanels = (dashboard: Dashboard): Panel[] => dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);

export const isRow = (panel: Panel) => panel.type === 'row';

/** Values Grafana gives its built-in variables, close enough for promtool to parse the expression. */
const BUILT_IN: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  __range_s: '3600',
  __interval_ms: '60000',
};

/**
 * The expression as Prometheus receives it: Grafana's `$var`, `${var}`, `${var:format}` and `[[var]]` replaced, a
 * multi-value variable by its "All" regex. An unknown variable throws.
 */
export const interpolate = (expr: string, variables: TemplateVariable[]): string =>
  expr.replace(/\$\{([a-zA-Z_]\w*)(?::\w+)?\}|\$([a-zA-Z_]\w*)|\[\[([a-zA-Z_]\w*)\]\]/g, (_, braced, plain, old) => {
    const name: string = braced ?? plain ?? old;
    if (name in BUILT_IN) return BUILT_IN[name];
    const variable = variables.find((candidate) => candidate.name === name);
    if (!variable) throw new Error(`unknown dashboard variable $${name} in: ${expr}`);
    return variable.allValue ?? '.+';
  });

/** The PromQL of a query variable such as `label_values(orderly_ready, instance)`: its metric selector. */
export const variableSelector = (variable: TemplateVariable): string | undefined => {
  const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
  const labelValues = /^label_values\((.+),\s*\w+\)$/.exec(query ?? '');
  return labelValues?.[1];
};
